"""Report chain and deadlines on both databases: 迟报 minutes, numbering, daily 续报, casualty change, 终报."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from core.errors import Conflict, Invalid
from models.incidents.records import Deadline
from services.incidents import board, deadlines, sweeps
from services.incidents.intake import open_incident, update_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, IncidentUpdate, ReportIn
from tests.incidents.conftest import DUTY, landslide


def _open(session, county, clock, settings, **kw):
    return open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now, **kw)),
                         by=DUTY, now=clock.now, settings=settings)


def _due(session, inc, kind):
    return [d for d in session.exec(select(Deadline).where(Deadline.incident_id == inc.id, Deadline.kind == kind))]


def test_grade_ii_deadlines_count_from_receipt_and_late_report_is_flagged(session, county, clock, settings):
    inc = _open(session, county, clock, settings)
    (phone,), (written,) = _due(session, inc, "phone"), _due(session, inc, "written")
    assert phone.due_at == inc.received_at + timedelta(minutes=30)
    assert written.due_at == inc.received_at + timedelta(minutes=60)
    clock.advance(minutes=72, seconds=30)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
                     settings=settings)
    assert rep.late_minutes == 13  # a written 首报: late by its own (written) deadline, 12.5 min rounded up
    assert written.late_minutes == 13 and written.met_by == rep.id
    assert phone.late_minutes == 43 and phone.met_by == rep.id  # the phone deadline, missed by 42.5 min
    codes = [f.code for f in board.flags(session, inc, clock.now, settings)]
    assert codes.count("late") == 2


def test_grade_iv_gets_120_minutes_and_sensitive_gets_60(session, county, clock, settings):
    plain = _open(session, county, clock, settings, grade=None, grade_override_reason="", deaths=0, missing=0,
                  injured=1)
    assert plain.grade == 4
    assert [d.due_at - plain.received_at for d in deadlines.open_rows(session, plain.id)] == [timedelta(minutes=120)]
    touchy = _open(session, county, clock, settings, grade=None, grade_override_reason="", deaths=0, missing=0,
                   injured=1, sensitive=True, title="网传高观镇事件")
    assert [d.due_at - touchy.received_at for d in deadlines.open_rows(session, touchy.id)] == [timedelta(minutes=60)]


def test_followups_are_numbered_and_final_closes(session, county, clock, settings):
    inc = _open(session, county, clock, settings)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    titles = []
    for _ in range(11):
        clock.advance(minutes=30)
        rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY,
                         now=clock.now, settings=settings)
        titles.append(rep.number)
    assert titles == list(range(1, 12))
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, data=ReportIn(
        kind="final", situation="滑坡体已稳定", handling="转移群众", cause="强降雨", aftermath="安置完毕", injured=5),
        settings=settings)
    assert inc.status == "closed" and deadlines.open_rows(session, inc.id) == []
    with pytest.raises(Conflict):
        add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY, now=clock.now,
                   settings=settings)


def test_grade_iii_plus_daily_followups_at_0800_and_1700(session, county, clock, settings):
    inc = _open(session, county, clock, settings)  # received 02:10 local
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    (slot,) = _due(session, inc, "followup")
    assert slot.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%H:%M") == "08:00"
    clock.now = slot.due_at + timedelta(minutes=1)
    sweeps.sweep(session=session, now=clock.now, settings=settings)  # the 08:00 slot passes unmet: 17:00 is scheduled
    slots = sorted(d.due_at for d in _due(session, inc, "followup"))
    assert slots[1] - slots[0] == timedelta(hours=9)
    clock.advance(minutes=20)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY, now=clock.now,
                     settings=settings)
    assert rep.late_minutes == 21


def test_casualty_change_needs_followup_at_once_and_unverified_gets_reminder(session, county, clock, settings):
    inc = _open(session, county, clock, settings)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    (reminder,) = _due(session, inc, "unverified")
    assert reminder.element == "injured" and reminder.due_at == clock.now + timedelta(minutes=60)
    clock.advance(minutes=20)
    update_incident(session=session, incident_id=inc.id, data=IncidentUpdate(deaths=3), by=DUTY, now=clock.now,
                    settings=settings)
    (change,) = _due(session, inc, "casualty_change")
    assert change.due_at == clock.now and "死亡2→3" in change.text
    clock.advance(minutes=5)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", injured=4), by=DUTY,
               now=clock.now, settings=settings)
    assert change.met_at == clock.now and change.late_minutes == 5
    assert reminder.met_at == clock.now  # the 待核实 figure is now known


@pytest.mark.parametrize("change,field", [
    ({"received_at_offset": -60}, "received_at"),
    ({"deaths": -1}, "deaths"),
    ({"grade": 1, "grade_override_reason": ""}, "grade_override_reason"),
])
def test_bad_intake_is_refused_naming_the_field(session, county, clock, change, field, settings):
    data = landslide(county["town"].id, clock.now)
    if "received_at_offset" in change:  # learned before it happened
        data["received_at"] = (clock.now - timedelta(minutes=60)).isoformat()
    else:
        data.update(change)
    with pytest.raises(Invalid) as err:
        open_incident(session=session, data=IncidentIn(**data), by=DUTY, now=clock.now, settings=settings)
    assert err.value.field == field


def test_final_before_first_is_refused(session, county, clock, settings):
    inc = _open(session, county, clock, settings)
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    with pytest.raises(Invalid) as err:
        add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now,
                   data=ReportIn(kind="final", reported_at=clock.now - timedelta(minutes=10)), settings=settings)
    assert err.value.field == "reported_at"


def test_a_phone_first_then_a_written_first_meets_both_deadlines(session, county, clock, settings):
    """Grade II: phone within 30 min, written within 60; the written 首报 after the phone one is accepted."""
    inc = _open(session, county, clock, settings)
    clock.advance(minutes=20)
    phoned = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", channel="phone"), by=DUTY,
                        now=clock.now, settings=settings)
    (phone,), (written,) = _due(session, inc, "phone"), _due(session, inc, "written")
    assert phone.met_by == phoned.id and written.met_at is None
    clock.advance(minutes=55)  # T+75: the written 首报, 15 minutes late by the written deadline (not 45 by the phone's)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", channel="written"), by=DUTY,
                     now=clock.now, settings=settings)
    assert rep.late_minutes == 15 and written.met_by == rep.id and written.late_minutes == 15
    assert phone.met_by == phoned.id and phone.late_minutes is None
    assert [d.kind for d in deadlines.overdue(session, clock.now) if d.kind in ("phone", "written")] == []
    flags = [f.text for f in board.flags(session, inc, clock.now, settings)]
    assert "书面报告迟报15分钟" in flags and not any("电话报告迟报" in f or "超时" in f for f in flags), flags
    with pytest.raises(Conflict):  # not a second written 首报
        add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", channel="written"), by=DUTY,
                   now=clock.now, settings=settings)


def test_a_written_followup_meets_the_written_deadline(session, county, clock, settings):
    inc = _open(session, county, clock, settings)
    clock.advance(minutes=10)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first", channel="phone"), by=DUTY,
               now=clock.now, settings=settings)
    clock.advance(minutes=45)  # T+55: in writing as 续报一, on time
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", channel="written", content="续报"),
                     by=DUTY, now=clock.now, settings=settings)
    (written,) = _due(session, inc, "written")
    assert written.met_by == rep.id and rep.late_minutes is None
    assert [d.kind for d in deadlines.overdue(session, clock.now + timedelta(hours=1))
            if d.kind in ("phone", "written")] == []
    assert not [f for f in board.flags(session, inc, clock.now + timedelta(hours=2), settings) if f.code in
                ("late", "overdue")]


def test_a_late_followup_does_not_open_the_next_daily_slot_twice(session, county, clock, settings):
    """08:00 passes with no 续报 (alarm, 17:00 opened); a 续报 at 09:00 is late for 08:00 only: one 17:00 row."""
    inc = _open(session, county, clock, settings)  # grade II, 接报 02:10 local
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    clock.advance(hours=5, minutes=50)  # 08:00 local
    sweeps.deadline_alarms(session=session, now=clock.now, settings=settings)
    clock.advance(hours=1)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY, now=clock.now,
                     settings=settings)
    assert rep.late_minutes == 60
    texts = [d.text for d in sorted(_due(session, inc, "followup"), key=lambda d: d.due_at)]
    assert texts == ["每日定时续报（08:00）", "每日定时续报（17:00）"]
    (open_slot,) = deadlines.open_rows(session, inc.id, ["followup"])
    assert open_slot.text == "每日定时续报（17:00）"
    detail = board.detail(session, inc.id, clock.now, by=DUTY, settings=settings)
    assert [d.text for d in detail["deadlines"]].count("每日定时续报（17:00）") == 1


def test_an_evening_followup_does_not_answer_the_next_mornings_daily_report(session, county, clock, settings):
    """12-03: 续报 at 16:30 answers 17:00; one at 22:13 is the evening's: tomorrow's 08:00 stays due, no 17:00 row."""
    tz = settings.tz
    clock.now = datetime(2026, 12, 3, 14, 0, tzinfo=tz)
    inc = _open(session, county, clock, settings, injured=4)  # grade II, every figure known
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
               settings=settings)
    clock.now = datetime(2026, 12, 3, 16, 30, tzinfo=tz)
    add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY,
               now=clock.now, settings=settings)
    clock.now = datetime(2026, 12, 3, 22, 13, tzinfo=tz)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="夜间续报"), by=DUTY,
                     now=clock.now, settings=settings)
    assert rep.late_minutes is None
    rows = sorted(_due(session, inc, "followup"), key=lambda d: d.due_at)
    shown = [(d.due_at.astimezone(tz).strftime("%m-%d %H:%M"), d.met_at is not None) for d in rows]
    assert shown == [("12-03 17:00", True), ("12-04 08:00", False)]
    (row,) = [b for b in board.board(session, clock.now, by=DUTY, settings=settings) if b.incident.id == inc.id]
    assert row.next_deadline.text == "每日定时续报（08:00）"
    assert row.next_deadline.due_at == datetime(2026, 12, 4, 8, 0, tzinfo=tz)
    # the morning's own 续报 (07:40) answers it, on time, and opens 12-04 17:00
    clock.now = datetime(2026, 12, 4, 7, 40, tzinfo=tz)
    rep = add_report(session=session, incident_id=inc.id, data=ReportIn(kind="followup", content="续报"), by=DUTY,
                     now=clock.now, settings=settings)
    assert rep.late_minutes is None
    rows = sorted(_due(session, inc, "followup"), key=lambda d: d.due_at)
    assert rows[1].met_by == rep.id
    assert [d.text for d in deadlines.open_rows(session, inc.id, ["followup"])] == ["每日定时续报（17:00）"]
