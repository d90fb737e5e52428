"""Publish a unit-month and change slots afterwards: versioned and audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from models.directory import Person
from models.rosters.roster import (
    DutyPost,
    PoolMember,
    RosterMonth,
    RosterSlot,
    RosterStatus,
)
from services import audit
from services.access import Actor
from services.rosters.gaps import refresh_month
from services.rosters.generate import month_key, month_row


def publish(*, session: Session, unit_id: uuid.UUID, month: str, now: datetime, by: Actor) -> RosterMonth:
    """Draft → published (version 1); publishing again is a no-op conflict."""
    by.check_own_unit(unit_id)
    actor = by.name
    row = month_row(session, unit_id, month)
    if row is None or row.slots == 0:
        raise NotFound(f"no roster generated for {month}", field="month")
    if row.status is RosterStatus.published:
        raise Conflict(f"roster {month} is already published (version {row.version})", field="month")
    before = audit.jsonable(row)
    row.status, row.version, row.published_at, row.published_by = RosterStatus.published, 1, now, actor
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="publish", entity="roster", entity_id=row.id,
                 unit_id=unit_id, before=before, after=row, at=None)
    return row


def eligible(session: Session, unit_id: uuid.UUID, post: str, person_id: uuid.UUID) -> bool:
    """True when the person is in the unit's pool for `post`."""
    q = (select(PoolMember.id).join(DutyPost, DutyPost.id == PoolMember.post_id)
         .where(DutyPost.unit_id == unit_id, DutyPost.name == post, PoolMember.person_id == person_id))
    return session.exec(q).first() is not None


def reassign(*, session: Session, slot_id: int, person_id: uuid.UUID, by: Actor, tz: str, reason: str = "",
             check_pool: bool = True, code: str = "manual") -> RosterSlot:
    """Put another person on a slot; after publication the month's version goes up and the change is audited."""
    slot = session.get(RosterSlot, slot_id)
    if slot is None:
        raise NotFound(f"slot {slot_id} not found", field="slot_id")
    by.check_own_unit(slot.unit_id, field="slot_id")
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise Invalid(f"person {person_id} not found or inactive", field="person_id")
    if check_pool and not eligible(session, slot.unit_id, slot.post, person_id):
        raise Invalid(f"{person.name} is not in the pool of post {slot.post}", field="person_id")
    clash = session.exec(select(RosterSlot.id).where(RosterSlot.unit_id == slot.unit_id, RosterSlot.day == slot.day,
                                                     RosterSlot.idx == slot.idx, RosterSlot.person_id == person_id,
                                                     RosterSlot.id != slot.id)).first()
    if clash is not None:
        raise Conflict(f"{person.name} already holds a post in the slot of {slot.day}", field="person_id")
    before = {"person_id": str(slot.person_id), "why": slot.why}
    slot.person_id = person_id
    slot.why = {"r": code, "d": 0, "note": reason[:200]}
    session.add(slot)
    _changed(session, slot, by.name, "reassign", before, reason, tz)
    return slot


def _changed(session: Session, slot: RosterSlot, actor: str, action: str, before: dict, note: str, tz: str) -> None:
    """Bump the month's version when published; always audit."""
    row = month_row(session, slot.unit_id, month_key(slot.day))
    if row is not None and row.status is RosterStatus.published:
        row.version += 1
        session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action=action, entity="roster_slot", entity_id=slot.id,
                 unit_id=slot.unit_id, before=before,
                 after={"person_id": str(slot.person_id), "day": slot.day.isoformat(), "post": slot.post,
                        "version": row.version if row else 0}, note=note)
    refresh_month(session=session, unit_id=slot.unit_id, month=month_key(slot.day), tz=tz)
