"""Urgent same-day leave (急事) on both databases: a leading cadre called away tonight reports it with a reason,
the report is flagged for review, and tonight's escalation goes to the acting person at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import Invalid
from models.rosters.leave import LeaveCreate
from services.access import Actor
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from services.rosters.leaves import file_leave
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run

TZ = "Asia/Shanghai"


def _leave(county, day, **kw) -> LeaveCreate:
    return LeaveCreate(person_id=county["vice"].id, start_day=day, end_day=day, destination="市人民医院",
                       reason="家属急病", contact="13900000009", arrangements="工作由常务副县长主持",
                       acting_person_id=county["deputy"].id, **kw)


def test_same_day_leave_reroutes_tonights_escalation(session, county, clock, recorder, settings):
    today = (clock.now + timedelta(hours=8)).date()  # 15 July, local
    with pytest.raises(Invalid) as refused:  # a formal report the same day, not marked 急事: one day's notice
        file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ, data=_leave(county, today))
    assert refused.value.field == "start_day"
    with pytest.raises(Invalid) as no_reason:
        file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                   data=_leave(county, today, urgent=True))
    assert no_reason.value.field == "urgent_reason"
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today, urgent=True, urgent_reason="凌晨家属送医"))
    assert row.needs_review and row.status.value == "filed"

    open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                  now=clock.now, settings=settings)
    run(session, clock, settings)
    sent = recorder.expect("escalation", "带班领导周文静", "常务副县长吴振华")
    (acting,) = [n for n in sent if n.recipient == "常务副县长吴振华"]
    assert acting.acting_for == "副县长钱立新" and acting.for_person_id == county["vice"].id


def test_after_the_fact_urgent_leave_is_accepted_and_flagged(session, county, clock, settings):
    today = (clock.now + timedelta(hours=8)).date()
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today - timedelta(days=1), urgent=True, urgent_reason="昨夜紧急公务，事后补报"))
    assert row.needs_review


def test_a_redirect_to_someone_already_notified_still_shows(session, county, clock, recorder, settings):
    from services.incidents import board

    today = (clock.now + timedelta(hours=8)).date()
    file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ, data=LeaveCreate(
        person_id=county["vice"].id, start_day=today, end_day=today, destination="市人民医院", reason="家属急病",
        contact="13900000009", arrangements="工作由带班领导代管", acting_person_id=county["leader"].id, urgent=True,
        urgent_reason="凌晨家属送医"))
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    got = sorted((n.purpose, n.recipient, n.acting_for) for n in recorder.new())
    assert got == [("escalation", "带班领导周文静", ""), ("redirect", "带班领导周文静", "副县长钱立新")]
    line = [e for e in board.timeline(session, inc) if e["kind"] == "redirect"][0]
    assert "请假替代" in line["text"] and "代副县长钱立新" in line["text"]
