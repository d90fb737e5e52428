"""Tomorrow's duty reminders and holiday / flood-season duty notices (值班工作提醒), each sent once.

A `roster_reminder` row with a unique key is written before the message is
queued, both in the caller's transaction: a flow run twice, or retried,
finds the key taken and sends nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Person, Unit
from models.rosters.duty import RosterReminder
from models.rosters.roster import DutyPost, RosterSlot
from rules.rosters.explain import FESTIVAL_ZH
from rules.rosters.seasons import Window
from services.deliveries.outbox import enqueue
from services.rosters import policy as pol
from services.rosters.calendar import load_calendar
from services.rosters.deadlines import upcoming_holidays

# Times, lead days and channel: DUTYDESK_ROSTERS__* (core/settings.py RosterSettings), passed in at each run.


def deliver(session: Session, *, person: Person, subject: str, text: str, source_id: str, now: datetime,
            channel: str) -> str:
    """Queue the message in the outbox; the id of the delivery row."""
    row = enqueue(session=session, source="roster", source_id=source_id, text=text, subject=subject,
                  channel=channel, person=person, now=now)
    return str(row.id)


def _once(session: Session, *, key: str, kind: str, unit_id: uuid.UUID, person: Person, subject: str, body: str,
          now: datetime, channel: str) -> bool:
    """Record and send one reminder; False when its key was already taken (sent before)."""
    if session.exec(select(RosterReminder.id).where(RosterReminder.key == key)).first() is not None:
        return False
    row = RosterReminder(key=key, kind=kind, unit_id=unit_id, person_id=person.id, subject=subject, body=body,
                         sent_at=now, channel=channel)
    try:
        with session.begin_nested():  # a concurrent run holding the same key loses here
            session.add(row)
    except IntegrityError:
        return False
    row.delivery_id = deliver(session, person=person, subject=subject, text=body, source_id=str(row.id), now=now,
                              channel=channel)
    session.add(row)
    session.flush()
    return True


def send_tomorrow(*, session: Session, now: datetime, settings: Settings) -> int:
    """From `rosters.reminder_at` (16:00) local, remind everyone on duty tomorrow; returns how many were sent now."""
    tz, channel = settings.timezone, settings.rosters.reminder_channel
    local = now.astimezone(ZoneInfo(tz))
    if local.time() < settings.rosters.reminder_time:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    q = (select(RosterSlot, Person, Unit).join(Person, Person.id == RosterSlot.person_id)
         .join(Unit, Unit.id == RosterSlot.unit_id).where(RosterSlot.day == tomorrow).order_by(RosterSlot.unit_id))
    labels = {(p.unit_id, p.name): p.label or p.name for p in session.exec(select(DutyPost))}
    sent = 0
    for slot, person, unit in session.exec(q):
        label = labels.get((unit.id, slot.post), slot.post)
        start = slot.starts_at.astimezone(ZoneInfo(tz)).strftime("%m月%d日 %H:%M")
        subject = f"值班提醒：{tomorrow.month}月{tomorrow.day}日 {unit.name}{label}"
        body = (f"{person.name}同志：您明天（{tomorrow.isoformat()}）在{unit.name}担任{label}，"
                f"{start} 接班，请提前10分钟到岗并做好交接班。值班电话 {unit.duty_phone}。")
        key = f"tomorrow:{unit.id}:{slot.day.isoformat()}:{slot.idx}:{person.id}"
        sent += _once(session, key=key, kind="tomorrow", unit_id=unit.id, person=person, subject=subject,
                      body=body, now=now, channel=channel)
    return sent


def _recipient(session: Session, unit: Unit) -> Person | None:
    """Who receives a unit's duty notice: its head, else the first duty leader in its pool."""
    head = session.exec(select(Person).where(Person.unit_id == unit.id, Person.active, Person.is_unit_head)).first()
    if head is not None:
        return head
    pools = pol.pools_of(session, unit.id)
    first = next((p for p in pools.get("leader", [])), None)
    return session.get(Person, uuid.UUID(first)) if first else None


def send_notices(*, session: Session, now: datetime, settings: Settings) -> int:
    """Holiday notices a few days before each holiday, and the flood-season notice (each unit's own window), to every
    unit."""
    tz, channel = settings.timezone, settings.rosters.reminder_channel
    today = now.astimezone(ZoneInfo(tz)).date()
    due: list[tuple[str, str, str, str]] = []  # (kind, key part, subject, body)
    for name, first, last in upcoming_holidays(load_calendar(session=session), today,
                                              settings.rosters.notice_days_before_holiday):
        if first >= today:
            zh = FESTIVAL_ZH.get(name, name)
            due.append(("holiday_notice", f"holiday:{first.isoformat()}", f"{zh}值班工作提醒",
                        f"{zh}（{first.isoformat()}至{last.isoformat()}）期间请严格落实24小时值班和领导带班制度，"
                        "节前发布值班表，保持值班电话畅通，重要情况及时报告。"))
    sent = 0
    for unit in session.exec(select(Unit).where(Unit.active).order_by(Unit.code)):
        flood = pol.load_policy(session, unit.id, tz).flood
        notices = due + ([_flood_notice(today)] if _flood_starts(flood, today) else [])
        person = _recipient(session, unit) if notices else None
        if person is None:
            continue
        for kind, part, subject, body in notices:
            sent += _once(session, key=f"{part}:{unit.id}", kind=kind, unit_id=unit.id, person=person,
                          subject=subject, body=f"{unit.name}：{body}", now=now, channel=channel)
    return sent


def _flood_notice(today: date) -> tuple[str, str, str, str]:
    return ("flood_notice", f"flood:{today.year}", "汛期值班工作提醒",
            "已进入汛期，请落实汛期值班要求：值班员增至2人，带班领导在岗在位，遇强降雨等情况及时报告。")


def _flood_starts(flood: Window, today: date) -> bool:
    """Within the first week of the unit's flood season."""
    return flood.contains(today) and not flood.contains(today - timedelta(days=7))


def sent_to(*, session: Session, person_id: uuid.UUID | None = None, unit_id: uuid.UUID | None = None,
            limit: int = 100) -> list[RosterReminder]:
    q = select(RosterReminder)
    if person_id is not None:
        q = q.where(RosterReminder.person_id == person_id)
    if unit_id is not None:
        q = q.where(RosterReminder.unit_id == unit_id)
    return list(session.exec(q.order_by(RosterReminder.sent_at.desc()).limit(limit)))
