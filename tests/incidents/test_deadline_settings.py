"""Report deadlines and daily follow-ups from the settings (DUTYDESK_INCIDENTS__DEADLINES__*); unset = the rule's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.settings import ReportDeadlineSettings, Settings
from rules.incidents import DeadlinePolicy, FollowupPolicy, Grade, ReportChannel
from services.incidents import board, deadlines
from services.incidents.intake import open_incident
from services.incidents.report_policies import report_policies
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide

HENAN = {"grade_iv_written_minutes": 360}  # 一般 events in writing within 6 h


def _minor(session, county, clock, settings):
    """A grade IV accident-free landslide (one injured): only a written deadline."""
    data = landslide(county["town"].id, clock.now, grade=None, grade_override_reason="", deaths=0, missing=0, injured=1)
    inc = open_incident(session=session, data=IncidentIn(**data), by=DUTY, now=clock.now, settings=settings)
    assert inc.grade == 4
    return inc


def test_grade_iv_written_deadline_follows_the_setting(session, county, clock, monkeypatch):
    monkeypatch.setenv("DUTYDESK_INCIDENTS__DEADLINES__GRADE_IV_WRITTEN_MINUTES", "360")
    henan = Settings(environment="test")
    inc = _minor(session, county, clock, henan)
    (row,) = deadlines.open_rows(session, inc.id)
    assert row.due_at - inc.received_at == timedelta(hours=6) and "360分钟" in row.text
    clock.advance(minutes=130)  # late by the rule's 120 minutes, on time by Henan's 6 h
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", send_upward=False),
                     by=DUTY, now=clock.now, settings=henan)
    assert rep.late_minutes is None
    assert "late" not in [f.code for f in board.flags(session, inc, clock.now, henan)]


def test_unset_keeps_the_rules_120_minutes(session, county, clock, settings):
    inc = _minor(session, county, clock, settings)
    (row,) = deadlines.open_rows(session, inc.id)
    assert row.due_at - inc.received_at == timedelta(minutes=120)
    clock.advance(minutes=130)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", send_upward=False),
                     by=DUTY, now=clock.now, settings=settings)
    assert rep.late_minutes == 10
    assert "late" in [f.code for f in board.flags(session, inc, clock.now, settings)]


def test_daily_followup_times_follow_the_setting(session, county, clock):
    custom = Settings(environment="test", incidents={"deadlines": {"followup_times": "07:30,18:00"}})
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=custom)  # grade II, received 02:10 local
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", send_upward=False), by=DUTY,
               now=clock.now, settings=custom)
    (slot,) = deadlines.open_rows(session, inc.id, ["followup"])
    assert slot.due_at.astimezone(custom.tz).strftime("%H:%M") == "07:30" and "07:30" in slot.text


def test_empty_settings_are_exactly_the_rules_defaults(settings):
    assert report_policies(settings) == (DeadlinePolicy(), FollowupPolicy())


@pytest.mark.parametrize("grade", list(Grade))
@pytest.mark.parametrize("channel", list(ReportChannel))
def test_each_minutes_setting_names_the_rules_default(grade, channel):
    """The settings' descriptions say what an empty field means; they must not drift from the rule."""
    name = f"grade_{grade.name.lower()}_{channel.value}_minutes"
    default = DeadlinePolicy().minutes[grade].get(channel)
    described = ReportDeadlineSettings.model_fields[name].description
    assert f"({default if default is not None else 'none asked'})" in described
    changed = report_policies(Settings(environment="test", incidents={"deadlines": {name: 7}})).deadline
    assert changed.minutes[grade][channel] == 7
