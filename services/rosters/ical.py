"""iCal feeds (RFC 5545) per person and per unit behind secret-token URLs; written by hand."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from core.errors import Forbidden, Invalid, NotFound
from models.accounts import Role
from models.directory import Person, Unit
from models.rosters.duty import FeedToken
from models.rosters.roster import DutyPost, RosterSlot
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
        raise Invalid("kind must be person or unit", field="kind")
    row = session.get(Person if kind == "person" else Unit, ref_id)
    unit_id = row.unit_id if kind == "person" and row is not None else ref_id
    if row is None or not by.sees(unit_id):
        raise NotFound(f"{kind} {ref_id} not found", field="ref_id")
    own = by.is_person(ref_id) if kind == "person" else by.sees(ref_id)
    if by.role is Role.auditor or not (by.office or own):
        raise Forbidden("只能订阅本人（或本单位）的值班日历 (you may subscribe to your own duties only)", field="ref_id")
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
        raise NotFound(f"feed {feed_id} not found", field="feed_id")
    if not _manages(by, session, row):
        raise Forbidden("只能吊销本人（或本单位）的值班日历订阅 (you may revoke your own feeds only)", field="feed_id")
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


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode())
        if size + n > (75 if not out else 74):
            out.append(cur)
            cur, size = "", 0
        cur += ch
        size += n
    out.append(cur)
    return "\r\n ".join(out)


def _utc(v: datetime) -> str:
    return v.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed(*, session: Session, token: str, now: datetime) -> tuple[str, str]:
    """(file name, calendar text) for a token; NotFound for an unknown or revoked one."""
    row = resolve(session, token)
    if row is None:
        raise NotFound("unknown feed", field="token")
    today = now.date()
    q = (select(RosterSlot, Person.name, Unit.name, Unit.duty_phone).join(Person, Person.id == RosterSlot.person_id)
         .join(Unit, Unit.id == RosterSlot.unit_id)
         .where(RosterSlot.day >= today - timedelta(days=PAST_DAYS), RosterSlot.day <= today + timedelta(days=AHEAD_DAYS)))
    q = q.where(RosterSlot.person_id == row.ref_id) if row.kind == "person" else q.where(RosterSlot.unit_id == row.ref_id)
    rows = list(session.execute(q.order_by(RosterSlot.starts_at, RosterSlot.post)))
    labels = {(p.unit_id, p.name): p.label or p.name for p in session.execute(select(DutyPost)).scalars()}
    owner = session.get(Person if row.kind == "person" else Unit, row.ref_id)
    name = owner.name if owner else "值班"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dutydesk//roster//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name + ' 值班表')}", "X-WR-TIMEZONE:Asia/Shanghai"]
    stamp = _utc(now)
    for slot, pname, uname, phone in rows:
        label = labels.get((slot.unit_id, slot.post), slot.post)
        summary = f"{label}：{pname}" if row.kind == "unit" else f"{uname}{label}"
        lines += ["BEGIN:VEVENT", f"UID:slot-{slot.id}-{slot.person_id}@dutydesk", f"DTSTAMP:{stamp}",
                  f"DTSTART:{_utc(slot.starts_at)}", f"DTEND:{_utc(slot.ends_at)}",
                  f"SUMMARY:{escape(summary)}", f"LOCATION:{escape(uname + '值班室')}",
                  f"DESCRIPTION:{escape(f'{uname} {label} {pname}，值班电话 {phone}')}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    fname = f"duty-{row.kind}-{today.isoformat()}.ics"
    return fname, "".join(fold(line) + "\r\n" for line in lines)
