"""Deadline alarms on both databases when a deadline opens again: a written report the city never got (its upward
send failed) leaves the deadline open, and a deadline a regrade moves or brings back is alarmed at its new time."""

from __future__ import annotations

from sqlmodel import select

from models.incidents.records import Deadline
from services.incidents import upward
from services.incidents.intake import open_incident, set_grade
from services.incidents.reports import add_report
from services.incidents.schemas import GradeIn, IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run
from tests.incidents.test_upward import dispatch, webhook_missing


def _row(session, inc, kind):
    (row,) = session.exec(select(Deadline).where(Deadline.incident_id == inc.id, Deadline.kind == kind))
    return row


def _alarms(recorder):
    """The new deadline alarms about the 首报 (the landslide's 待核实 reminders aside)."""
    return [n.body for n in recorder.new("deadline") if "首报" in n.body]


def test_a_written_deadline_met_by_a_failed_send_alarms_again_once_per_failure(session, county, clock, recorder,
                                                                               settings):
    """Grade II: phoned at T+10, nothing in writing by T+60 (alarm); a written 续报 at T+70 meets the written
    deadline, but its upward send fails: the office hears of it again, once, and again after a failed re-send."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=10)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone"))
    run(session, clock, settings)
    recorder.new()
    clock.advance(minutes=50)  # T+60: the written deadline passes
    run(session, clock, settings)
    (at_deadline,) = _alarms(recorder)
    assert "首报书面报告已到时限" in at_deadline
    clock.advance(minutes=10)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="followup", channel="written", content="续报"))
    assert _row(session, inc, "written").met_by == rep.id
    run(session, clock, settings)
    assert _alarms(recorder) == []  # queued: not (yet) a failure
    dispatch(session, clock, webhook_missing)
    clock.advance(seconds=5)
    run(session, clock, settings)
    (again,) = _alarms(recorder)
    assert "首报书面报告向上报送失败，已过时限（03:10）" in again and "重新发送或电话报告" in again
    clock.advance(minutes=1)
    run(session, clock, settings)
    assert _alarms(recorder) == []  # once per failure, not at every sweep

    clock.advance(minutes=2)
    upward.resend(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, settings=settings)
    run(session, clock, settings)
    assert _alarms(recorder) == []
    dispatch(session, clock, webhook_missing)  # the re-send fails too
    clock.advance(seconds=5)
    run(session, clock, settings)
    assert len(_alarms(recorder)) == 1
    upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, at=None,
                         caller="值班员李华", reached="市政府总值班室张科长")
    clock.advance(minutes=1)
    run(session, clock, settings)
    assert _alarms(recorder) == []  # phoned: the city has it


def test_a_deadline_a_failure_reopens_before_it_is_due_alarms_at_its_time(session, county, clock, recorder,
                                                                          settings):
    """Grade II, a written 首报 at T+5 (meeting both deadlines) whose send fails: the city has nothing, so each
    deadline warns 10 minutes ahead and alarms when it passes, saying the send failed."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=5)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    run(session, clock, settings)
    recorder.new()
    said = []
    for minutes in (16, 9, 21, 9, 30):  # T+21, T+30, T+51, T+60, T+90
        clock.advance(minutes=minutes)
        run(session, clock, settings)
        said.append([b.split("。")[0].removeprefix("高观镇山体滑坡：") for b in _alarms(recorder)])
    assert said == [["首报电话报告向上报送失败，将于02:40到期，请重新发送或电话报告"],
                    ["首报电话报告向上报送失败，已过时限（02:40），须重新发送或电话报告"],
                    ["首报书面报告向上报送失败，将于03:10到期，请重新发送或电话报告"],
                    ["首报书面报告向上报送失败，已过时限（03:10），须重新发送或电话报告"], []]


def test_a_phone_deadline_a_regrade_brings_back_alarms_when_it_passes(session, county, clock, recorder, settings):
    """II → IV cancels the unmet phone deadline; IV → II brings it back (it stayed cancelled, never alarming)."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=4, reason="核实后伤亡较少"))
    assert _row(session, inc, "phone").cancelled_at is not None
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=2, reason="失联人员增加"))
    phone = _row(session, inc, "phone")
    assert phone.cancelled_at is None and phone.met_at is None
    run(session, clock, settings)
    recorder.new()
    clock.advance(minutes=20)  # T+30
    run(session, clock, settings)
    assert any("首报电话报告已到时限（02:40），尚未报送" in b for b in _alarms(recorder))


def test_a_moved_deadline_alarms_again_at_its_new_time(session, county, clock, recorder, settings):
    """Grade II, nothing written by T+60 (alarm); regraded IV at T+70, the written deadline moves to T+120 and
    alarms there (the T+60 alarm was for the old deadline)."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=10)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone"))
    run(session, clock, settings)
    recorder.new()
    clock.advance(minutes=50)
    run(session, clock, settings)
    assert any("首报书面报告已到时限（03:10）" in b for b in _alarms(recorder))
    clock.advance(minutes=10)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=4, reason="核实后伤亡较少"))
    recorder.new()
    clock.advance(minutes=50)  # T+120
    run(session, clock, settings)
    assert any("首报书面报告已到时限（04:10）" in b for b in _alarms(recorder))


def test_a_written_followup_never_meets_the_phone_deadline(session, county, clock, recorder, settings):
    """Grade IV, written 首报 at T+20; regraded II at T+25: the new phone deadline is the 首报's (met by it, as the
    flags say), and a written 续报 is not recorded as meeting it."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now, grade=4)),
                        by=DUTY, now=clock.now, settings=settings)
    clock.advance(minutes=20)
    first = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                       data=ReportIn(kind="first", channel="written", send_upward=False))
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=2, reason="失联人员增加"))
    phone = _row(session, inc, "phone")
    assert phone.met_by == first.id and phone.late_minutes is None
    clock.advance(minutes=25)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="续报", send_upward=False))
    assert _row(session, inc, "phone").met_by == first.id
    run(session, clock, settings)
    assert not [b for b in _alarms(recorder) if "电话报告" in b]


def test_a_phone_first_report_made_while_downgraded_meets_the_phone_deadline_brought_back(session, county, clock,
                                                                                          recorder, settings):
    """II → IV at T+5; phoned at T+35 anyway; IV → II at T+40: the phone deadline is back and met by that call,
    5 minutes late by its own (phone) deadline, and nothing alarms about it."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=4, reason="核实后伤亡较少"))
    clock.advance(minutes=30)
    phoned = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                        data=ReportIn(kind="first", channel="phone"))
    assert phoned.late_minutes is None  # grade IV has no phone deadline
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=2, reason="失联人员增加"))
    phone = _row(session, inc, "phone")
    assert phone.met_by == phoned.id and phone.late_minutes == 5 and phoned.late_minutes == 5
    recorder.new()
    run(session, clock, settings)
    assert not [b for b in _alarms(recorder) if "电话报告" in b]


def test_a_daily_followup_slot_met_by_a_failed_send_alarms_when_it_passes(session, county, clock, recorder, settings):
    """Grade II (接报 02:10): the 08:00 续报 is written at 07:55 but its upward send fails: at 08:00 the office is
    told the 定时续报 did not reach the city, once."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(minutes=10)
    for channel in ("phone", "written"):
        add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                   data=ReportIn(kind="first", channel=channel, send_upward=False))
    dispatch(session, clock, webhook_missing)
    clock.advance(hours=5, minutes=35)  # 07:55 local
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="followup", channel="written", content="续报"))
    slot = [d for d in session.exec(select(Deadline).where(Deadline.incident_id == inc.id,
                                                           Deadline.kind == "followup")) if d.met_by == rep.id]
    assert len(slot) == 1
    dispatch(session, clock, webhook_missing)
    recorder.new()
    clock.advance(minutes=5)  # 08:00
    run(session, clock, settings)
    said = [n.body.split("。")[0] for n in recorder.new("deadline") if "定时续报" in n.body]
    assert said == ["高观镇山体滑坡：定时续报向上报送失败，已过时限（08:00），须重新发送或电话报告"]
    clock.advance(minutes=5)
    run(session, clock, settings)
    assert not [n for n in recorder.new("deadline") if "定时续报" in n.body]
