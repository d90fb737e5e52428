"""Urgent leave (急事) of the duty leader with an acting person (issue 17, night duty): the acting person takes the
slot over, as the on-duty list and the escalation already say ("董国华（代宋海燕）"): no gap, no 需替班 alert, and the
acting person's rest time since their own last duty does not veto it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from dutydesk.composition import ALERT_SOURCES
from models.rosters.leave import LeaveCreate
from models.rosters.roster import RosterGap, RosterSlot
from services import alerts
from services.access import Actor
from services.rosters import leaves
from services.rosters.generate import generate_month
from tests.rosters.conftest import MONTH

TZ = "Asia/Shanghai"


def _leader_slots(session, unit):
    return sorted(session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.post == "leader")),
                  key=lambda s: s.day)


def test_an_urgent_leave_naming_an_acting_person_leaves_no_gap(session, roster_unit, settings):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz=TZ)
    slots = _leader_slots(session, unit)
    day = date(2026, 12, 3)
    slot = next(s for s in slots if s.day == day)
    yesterday = next(s for s in slots if s.day == day - timedelta(days=1))
    assert yesterday.person_id != slot.person_id
    now = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 local the same day
    leaves.file_leave(session=session, today=day, by=Actor.system("test"), tz=TZ, data=LeaveCreate(
        person_id=slot.person_id, start_day=day, end_day=day, destination="市人民医院", reason="家属急病",
        contact="13900000000", arrangements="今晚带班由昨日带班领导代", urgent=True, urgent_reason="家属送医",
        acting_person_id=yesterday.person_id))  # on duty yesterday: under 24 h rest, still the one the leave names
    assert session.exec(select(RosterGap).where(RosterGap.unit_id == unit.id)).all() == []
    codes = {a.code for a in alerts.collect(session=session, now=now, settings=settings, sources=ALERT_SOURCES)}
    assert "roster_holder_on_leave" not in codes


def test_an_acting_person_who_is_away_too_leaves_the_gap(session, roster_unit, settings):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz=TZ)
    day = date(2026, 12, 3)
    slot = next(s for s in _leader_slots(session, unit) if s.day == day)
    other = next(p for p in roster_unit["leaders"] if p.id != slot.person_id)
    common = dict(start_day=day, end_day=day, destination="市里", reason="开会", contact="139", arrangements="副职负责",
                  urgent=True, urgent_reason="临时通知")
    leaves.file_leave(session=session, today=day, by=Actor.system("test"), tz=TZ, data=LeaveCreate(
        person_id=other.id, acting_person_id=slot.person_id, **common))
    leaves.file_leave(session=session, today=day, by=Actor.system("test"), tz=TZ, data=LeaveCreate(
        person_id=slot.person_id, acting_person_id=other.id, **common))
    (gap,) = session.exec(select(RosterGap).where(RosterGap.unit_id == unit.id, RosterGap.day == day)).all()
    assert gap.reason == "holder_unavailable" and gap.person_id == slot.person_id
