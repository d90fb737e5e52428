"""The one adapter to the roster feature: who was on duty at a unit at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.directory import Person
from models.rosters.roster import RosterSlot


@dataclass(frozen=True)
class OnDuty:
    person_id: uuid.UUID
    name: str
    post: str


def on_duty(session: Session, unit_id: uuid.UUID, at: datetime) -> list[OnDuty] | None:
    """The rostered people at `at`, or None when the unit has no roster for that time (unknown)."""
    rows = session.exec(
        select(RosterSlot.person_id, Person.name, RosterSlot.post)
        .join(Person, Person.id == RosterSlot.person_id)
        .where(RosterSlot.unit_id == unit_id, RosterSlot.starts_at <= at, RosterSlot.ends_at > at)
    ).all()
    return [OnDuty(pid, name, post) for pid, name, post in rows] or None


def roster_match(session: Session, unit_id: uuid.UUID, at: datetime, *, person_id: uuid.UUID | None,
                 name: str) -> bool | None:
    """Was the person who answered on the roster? None when nobody answered or the roster is unknown."""
    if person_id is None and not name.strip():
        return None
    rostered = on_duty(session, unit_id, at)
    if rostered is None:
        return None
    if person_id is not None:
        return any(r.person_id == person_id for r in rostered)
    return any(r.name == name.strip() for r in rostered)
