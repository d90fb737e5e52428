"""iCal feeds (RFC 5545) per person and per unit behind secret-token URLs, written with the icalendar package."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import Forbidden, Invalid, NotFound
from core.settings import Settings
from models.accounts import Role
from models.directory import Person, Unit
from models.rosters.duty import FeedToken
from models.rosters.roster import DutyPost, RosterDayNote, RosterMonth, RosterSlot, RosterStatus
from services import audit
from services.access import Actor

PAST_DAYS, AHEAD_DAYS = 31, 180


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, kind: str, ref_id: uuid.UUID, by: Actor) -> str:
    """A new secret token for a person's or a unit's feed; only its hash is stored. A feed is an unauthenticated
    URL serving duties and phones: one's own duties, a unit's (not another unit's, for a unit reporter), anything
    (the office); auditors read, they create no secrets."""
    if kind not in ("person", "unit"):
        raise Invalid("订阅类型须为 person（个人）或 unit（单位） (kind must be person or unit)", field="kind")
    row = session.get(Person if kind == "person" else Unit, ref_id)
    unit_id = row.unit_id if kind == "person" and row is not None else ref_id
    if row is None:
        raise NotFound("未找到该订阅对象 (not found)", field="ref_id")
    if kind == "unit":
        by.check_own_unit(unit_id, field="ref_id")  # another unit named: 403, audited (services/access.py)
    else:
        by.check_unit(unit_id, field="ref_id", reason="未找到该订阅对象 (not found)")  # as if absent; audited
    own = by.is_person(ref_id) if kind == "person" else by.sees(ref_id)
    if by.role is Role.auditor:
        raise Forbidden("审计员只能查看，不能订阅值班日历 (auditors read; they create no feeds)",
                        field="ref_id").refusing(by.name)
    if not (by.office or own):  # one rule: a person feed is one's own; a unit's people are the unit's feed
        raise Forbidden("只能订阅本人的值班日历；本单位的请选择“本单位” (you may subscribe to your own duties "
                        "only; for your unit's, choose kind unit)" if by.sees(unit_id) else
                        "只能订阅本人的值班日历 (you may subscribe to your own duties only)",
                        field="ref_id").refusing(by.name)
    actor = by.name
    token = secrets.token_urlsafe(24)
    row = FeedToken(kind=kind, ref_id=ref_id, token_hash=_sha(token), created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="ical_feed", entity_id=row.id,
                 after={"kind": kind, "ref_id": str(ref_id)})
    return token


def _owner_unit(session: Session, kind: str, ref_id: uuid.UUID) -> uuid.UUID | None:
    if kind == "person":
        person = session.get(Person, ref_id)
        return person.unit_id if person is not None else None
    return ref_id


def _manages(by: Actor, session: Session, row: FeedToken) -> bool:
    """Who may end a feed: the office, or whoever may create it (one's own, a unit reporter's unit); no auditor."""
    if by.role is Role.auditor:
        return False
    if by.office:
        return True
    if row.kind == "person":
        return by.is_person(row.ref_id) or by.acts_for_unit(_owner_unit(session, "person", row.ref_id))
    return by.role is Role.unit_reporter and by.sees(row.ref_id)


def list_feeds(*, session: Session, by: Actor, kind: str | None = None, ref_id: uuid.UUID | None = None
               ) -> list[FeedToken]:
    """The feeds a caller may see (newest first): the office and auditors all, a unit reporter their unit's and its
    people's, anyone else their own."""
    q = select(FeedToken).order_by(FeedToken.created_at.desc())
    if kind is not None:
        q = q.where(FeedToken.kind == kind)
    if ref_id is not None:
        q = q.where(FeedToken.ref_id == ref_id)
    rows = list(session.execute(q).scalars())
    if by.office or by.role is Role.auditor:
        return rows
    return [r for r in rows if (by.is_person(r.ref_id) if r.kind == "person" else False)
            or (by.role is Role.unit_reporter and by.sees(_owner_unit(session, r.kind, r.ref_id)))]


def revoke(*, session: Session, feed_id: uuid.UUID, by: Actor, now: datetime) -> FeedToken:
    """End a feed at once (its URL answers 404 from now on); audited. Another unit's feed is 404."""
    row = session.get(FeedToken, feed_id)
    if row is None or not by.sees(_owner_unit(session, row.kind, row.ref_id)):
        missing = NotFound(f"未找到该日历订阅 (feed {feed_id} not found)", field="feed_id")
        raise missing if row is None else missing.refusing(by.name)  # another unit's: audited
    if not _manages(by, session, row):
        raise Forbidden("只能吊销本人（或本单位）的值班日历订阅 (you may revoke your own feeds only)",
                        field="feed_id").refusing(by.name)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
        audit.record(session=session, actor=by.name, action="revoke", entity="ical_feed", entity_id=row.id, at=now,
                     unit_id=_owner_unit(session, row.kind, row.ref_id) or "",
                     after={"kind": row.kind, "ref_id": str(row.ref_id)})
    return row


def resolve(session: Session, token: str) -> FeedToken | None:
    row = session.execute(select(FeedToken).where(FeedToken.token_hash == _sha(token))).scalar_one_or_none()
    return row if row is not None and row.revoked_at is None else None


def _alarm(starts_at: datetime, tz: ZoneInfo, at: time) -> Alarm:
    """A reminder at `at` local time on the day before the duty starts, as a trigger relative to the start (the
    form every calendar app honours)."""
    local = starts_at.astimezone(tz)
    when = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=tz)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "明日值班提醒")
    alarm.add("trigger", when - local)  # a negative duration: before the start
    return alarm


def _published(session: Session, keys: set[tuple[uuid.UUID, str]]) -> dict[tuple[uuid.UUID, str], int]:
    """(unit, month) -> version, for the published months among `keys`; a draft is never shown to a subscriber."""
    if not keys:
        return {}
    q = select(RosterMonth.unit_id, RosterMonth.month, RosterMonth.version).where(
        RosterMonth.status == RosterStatus.published, col(RosterMonth.unit_id).in_({u for u, _ in keys}),
        col(RosterMonth.month).in_({m for _, m in keys}))
    return {(u, m): v for u, m, v in session.execute(q)}


def _notes(session: Session, units: set[uuid.UUID], first, last) -> dict[tuple[uuid.UUID, object], str]:
    """(unit, day) -> the day's 备注, as typed, for the units and days of a feed."""
    if not units:
        return {}
    q = select(RosterDayNote.unit_id, RosterDayNote.day, RosterDayNote.note).where(
        col(RosterDayNote.unit_id).in_(units), RosterDayNote.day >= first, RosterDayNote.day <= last)
    return {(u, d): n for u, d, n in session.execute(q) if n}


def feed(*, session: Session, token: str, now: datetime, settings: Settings) -> tuple[str, str]:
    """(file name, calendar text) for a token: the published duties from PAST_DAYS ago to AHEAD_DAYS ahead, in the
    deployment's zone (a VTIMEZONE and TZID on every time); NotFound for an unknown or revoked token."""
    row = resolve(session, token)
    if row is None:
        raise NotFound("订阅链接无效 (unknown feed)", field="token")
    tz = settings.tz
    today = now.astimezone(tz).date()
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    q = (select(RosterSlot, Person.name, Unit.name, Unit.duty_phone).join(Person, Person.id == RosterSlot.person_id)
         .join(Unit, Unit.id == RosterSlot.unit_id).where(RosterSlot.day >= first, RosterSlot.day <= last))
    q = q.where(RosterSlot.person_id == row.ref_id) if row.kind == "person" else q.where(RosterSlot.unit_id == row.ref_id)
    rows = list(session.execute(q.order_by(RosterSlot.starts_at, RosterSlot.post)))
    versions = _published(session, {(slot.unit_id, slot.day.strftime("%Y-%m")) for slot, *_ in rows})
    labels = {(p.unit_id, p.name): p.label or p.name for p in session.execute(select(DutyPost)).scalars()}
    notes = _notes(session, {slot.unit_id for slot, *_ in rows}, first, last)
    owner = session.get(Person if row.kind == "person" else Unit, row.ref_id)
    name = owner.name if owner else "值班"
    alarm_at = settings.rosters.ical_alarm_time
    cal = Calendar()
    cal.add("prodid", "-//dutydesk//roster//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{name} 值班表")
    cal.add("x-wr-timezone", settings.timezone)
    for slot, pname, uname, phone in rows:
        version = versions.get((slot.unit_id, slot.day.strftime("%Y-%m")))
        if version is None:
            continue
        label = labels.get((slot.unit_id, slot.post), slot.post)
        ev = Event()
        # Stable across regenerating or re-importing a month (slot ids are not): the same person on the same post
        # of the same slot is the same event; another person is another event (it leaves the old one's calendar).
        key = f"{slot.unit_id}/{slot.day}/{slot.idx}/{slot.post}/{slot.person_id}"
        ev.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}@dutydesk")
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("dtstart", slot.starts_at.astimezone(tz))
        ev.add("dtend", slot.ends_at.astimezone(tz))
        ev.add("sequence", version)
        ev.add("summary", f"{label}：{pname}" if row.kind == "unit" else f"{uname}{label}")
        ev.add("location", uname if uname.endswith("值班室") else f"{uname}值班室")  # 县政府总值班室, not …值班室值班室
        note = notes.get((slot.unit_id, slot.day))
        ev.add("description", f"{uname} {label} {pname}，值班电话 {phone}" + (f"\n备注：{note}" if note else ""))
        if alarm_at is not None:
            ev.add_component(_alarm(slot.starts_at, tz, alarm_at))
        cal.add_component(ev)
    cal.add_missing_timezones(first_date=first - timedelta(days=1), last_date=last + timedelta(days=2))
    # a unit's feed saved as duty-<unit code>-DATE.ics (recognisable, as the roster export's roster-<code>-YYYY-MM)
    who = owner.code if row.kind == "unit" and owner is not None and owner.code else row.kind
    return f"duty-{who}-{today.isoformat()}.ics", cal.to_ical().decode()
