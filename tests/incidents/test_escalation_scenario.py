"""The issue's scenario end to end: a grade II landslide reaches the duty leader and the vice head at once,
climbs to the county head after 10 unacknowledged minutes, and stops when acknowledged."""

from __future__ import annotations

import re

from dutydesk.composition import ALERT_SOURCES
from services.access import Actor
from services.incidents import escalation, sweeps
from services.incidents.acks import use_link
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide, vice_on_leave


def run(session, clock, settings):
    """What the engine does at each wake-up: escalation steps and the deadline sweep."""
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    sweeps.sweep(session=session, now=clock.now, settings=settings)
    session.flush()


def ack_token(notice) -> str:
    return re.search(r"/ack/(\S+)$", notice.body).group(1)


def test_grade_ii_landslide_escalates_until_acknowledged(session, county, clock, recorder, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)),
                        by=DUTY, now=clock.now, settings=settings)
    assert inc.grade == 2 and inc.escalation_policy["name"] == "severe"
    run(session, clock, settings)
    first = recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    assert {n.channel for n in first} == {"wecom"} and first[0].ladder == ["wecom", "sms", "voice"]

    clock.advance(minutes=9, seconds=59)
    run(session, clock, settings)
    recorder.expect_none()  # still inside the 10 minutes

    clock.advance(seconds=1)
    run(session, clock, settings)
    (head,) = recorder.expect("escalation", "县长赵国华")
    assert "未确认" in head.subject

    clock.advance(minutes=2)
    ack = use_link(session, token=ack_token(head), now=clock.now, settings=settings)
    assert ack.name == "县长赵国华" and ack.via == "wecom_link" and ack.seconds_to_ack == 12 * 60  # the head was reached by WeCom
    assert inc.acknowledged_at == clock.now

    clock.advance(minutes=3)  # T+15: the office phones the city (phone 首报), no delivery
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now,
               data=ReportIn(kind="first", channel="phone", content="电话报告市政府总值班室"), settings=settings)
    recorder.expect_none()

    for _ in range(6):  # to T+45: the next pass would have re-notified everyone; the phone deadline is met
        clock.advance(minutes=5)
        run(session, clock, settings)
    recorder.expect_none()

    clock.advance(minutes=5)  # T+50: ten minutes before the written deadline, the duty room is warned
    run(session, clock, settings)
    warns = sorted(n.body for n in recorder.expect("deadline", "县政府总值班室", "县政府总值班室"))
    assert any("首报书面报告将于03:10到期" in w for w in warns)
    assert any("受伤人数待核实" in w for w in warns)  # 受伤 was 待核实: its reminder falls due too

    clock.advance(minutes=15)  # T+65: the written report is late by 5 minutes and goes upward
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now,
                     data=ReportIn(kind="followup", channel="written", content="书面续报"), settings=settings)
    assert rep.number == 1
    sent = sorted((n.purpose, n.recipient) for n in recorder.new())  # upward, and the leaders reached hear of it
    assert sent == sorted([("upward", "市政府总值班室"), ("followup_notice", "带班领导周文静"),
                           ("followup_notice", "副县长钱立新"), ("followup_notice", "县长赵国华")])


def test_unacknowledged_escalation_repeats_then_alerts(session, county, clock, recorder, settings):
    from core.settings import Settings
    from services import alerts

    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)),
                        by=DUTY, now=clock.now, settings=settings)
    from services.incidents.reports import add_report
    from services.incidents.schemas import ReportIn

    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", channel="written"), by=DUTY,
               now=clock.now, settings=settings)
    recorder.expect("upward", "市政府总值班室")
    seen = []
    for minute in range(0, 45, 10):
        clock.now = inc.received_at.replace() + __import__("datetime").timedelta(minutes=minute)
        run(session, clock, settings)
        seen.append(sorted(n.recipient for n in recorder.new("escalation")))
    assert seen == [["副县长钱立新", "带班领导周文静"], ["县长赵国华"], ["副县长钱立新", "带班领导周文静"], ["县长赵国华"], []]
    codes = {a.code for a in alerts.collect(session=session, now=clock.now, settings=Settings(), sources=ALERT_SOURCES)}
    assert "escalation_exhausted" in codes


def test_nobody_on_duty_is_an_alert(session, county, clock, recorder, settings):
    from core.settings import Settings
    from services import alerts

    county["on_duty"]["hub"] = []
    open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                  now=clock.now, settings=settings)
    run(session, clock, settings)
    got = sorted((n.purpose, n.recipient, n.delivery_id != "") for n in recorder.new())
    assert got == [("escalation", "副县长钱立新", True), ("unresolved", "当班带班领导", False)]
    codes = {a.code for a in alerts.collect(session=session, now=clock.now, settings=Settings(), sources=ALERT_SOURCES)}
    assert "escalation_target_missing" in codes


def test_leader_on_leave_is_replaced_by_the_acting_person(session, county, clock, recorder, settings):
    vice_on_leave(session, county, clock)
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    sent = recorder.expect("escalation", "带班领导周文静", "常务副县长吴振华")
    (acting,) = [n for n in sent if n.recipient == "常务副县长吴振华"]
    assert acting.acting_for == "副县长钱立新" and "代副县长钱立新" in acting.body
    assert inc.id == acting.incident_id
