"""Acknowledged is not done: with an ack timeout, no 续报 after the acknowledgement re-alerts the one who
acknowledged, then the steps go on; a 续报 in time ends it. On the controllable clock, as the engine runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.incidents.escalation import EscalationState
from services.incidents import board, escalation, policies, sweeps
from services.incidents.acks import use_link
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import ack_token


def run(session, clock, settings):
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    sweeps.sweep(session=session, now=clock.now, settings=settings)
    session.flush()


@pytest.fixture
def opened(session, county, clock, settings):
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="确认后须续报", position=1, ack_timeout_minutes=15, steps=[
            policies.StepIn(targets=[{"kind": "duty_leader_now"}], channels=["wecom", "sms"], wait_minutes=10),
            policies.StepIn(targets=[{"kind": "unit_head"}], channels=["wecom"], wait_minutes=10)]))
    data = landslide(county["town"].id, clock.now)
    inc = open_incident(session=session, data=IncidentIn(**data), by=DUTY, now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone", content="电话首报"))
    return inc


def test_no_followup_re_alerts_the_acknowledger_then_escalates(session, opened, clock, recorder, settings):
    run(session, clock, settings)
    (first,) = recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=2)
    use_link(session, token=ack_token(first), now=clock.now, settings=settings)
    state = session.get(EscalationState, opened.id)
    session.refresh(state)
    assert state.status == "active" and state.next_due_at == clock.now + timedelta(minutes=15)

    clock.advance(minutes=14, seconds=59)
    run(session, clock, settings)
    recorder.expect_none()  # acknowledged, inside the 15 minutes
    clock.advance(seconds=1)
    run(session, clock, settings)
    (again,) = recorder.expect("ack_timeout", "带班领导周文静")
    assert "未续报" in again.subject and again.channel == "wecom" and again.ladder == ["wecom", "sms"]
    shown = [e["text"] for e in board.timeline(session, opened) if e["kind"] == "ack_timeout"]
    assert shown and "再次提醒" in shown[0] and "带班领导周文静" in shown[0]

    clock.advance(minutes=9)
    run(session, clock, settings)
    recorder.expect_none()  # the step's 10 minutes after the re-alert
    clock.advance(minutes=1)
    run(session, clock, settings)
    (head,) = recorder.expect("escalation", "县长赵国华")
    assert "续报" in head.body
    clock.advance(minutes=3)
    add_report(session=session, incident_id=opened.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="phone", content="电话续报"))
    for _ in range(6):
        clock.advance(minutes=10)
        run(session, clock, settings)
    # the 续报 ended it; the repeat pass never comes (the written report's deadline alarms are another matter)
    assert [n for n in recorder.new() if n.purpose in ("escalation", "ack_timeout")] == []
    session.refresh(state)
    assert state.status == "stopped"


def test_a_followup_within_the_timeout_ends_the_escalation(session, opened, clock, recorder, settings):
    run(session, clock, settings)
    (first,) = recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=2)
    use_link(session, token=ack_token(first), now=clock.now, settings=settings)
    clock.advance(minutes=10)
    add_report(session=session, incident_id=opened.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="phone", content="电话续报"))
    for _ in range(6):
        clock.advance(minutes=5)
        run(session, clock, settings)
    assert [n for n in recorder.new() if n.purpose in ("escalation", "ack_timeout")] == []
    assert session.exec(select(EscalationState.status).where(EscalationState.incident_id == opened.id)).one() \
        == "stopped"


def test_the_followup_stops_the_escalation_row_at_once(session, opened, clock, recorder, settings):
    """The 续报 itself settles the escalation: the row is stopped right after it (no engine pass in between), as
    the console already says 已停止; nothing is left for the engine's wake-up at the timeout's end."""
    run(session, clock, settings)
    (first,) = recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=2)
    use_link(session, token=ack_token(first), now=clock.now, settings=settings)
    clock.advance(minutes=5)
    add_report(session=session, incident_id=opened.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="phone", content="电话续报"))
    session.flush()
    state = session.get(EscalationState, opened.id)
    session.refresh(state)
    assert (state.status, state.next_due_at) == ("stopped", None)
    assert board.detail(session, opened.id, clock.now, by=DUTY, settings=settings)["escalation_shown"][0] == "stopped"
    assert escalation.next_due(session) == []


def test_a_followup_after_the_re_alert_stops_the_row_at_once(session, opened, clock, recorder, settings):
    run(session, clock, settings)
    (first,) = recorder.expect("escalation", "带班领导周文静")
    use_link(session, token=ack_token(first), now=clock.now, settings=settings)
    clock.advance(minutes=15)
    run(session, clock, settings)
    recorder.expect("ack_timeout", "带班领导周文静")
    clock.advance(minutes=1)
    add_report(session=session, incident_id=opened.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="phone", content="电话续报"))
    state = session.get(EscalationState, opened.id)
    session.refresh(state)
    assert state.status == "stopped"
