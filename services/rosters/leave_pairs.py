"""Leave pairs: two people who must not be away together (主要负责人与常务副职 …), checked when leave is filed."""

from __future__ import annotations

import uuid

from sqlmodel import Session, or_, select

from core.errors import Conflict, Invalid, NotFound
from models.directory import Person
from models.rosters.leave import LeavePair
from services import audit
from services.access import Actor


def list_pairs(*, session: Session, by: Actor) -> list[tuple[LeavePair, Person, Person]]:
    """Every pair `by` may see with both people (a unit reporter: pairs touching their unit's people)."""
    unit_id = by.scope
    rows = session.exec(select(LeavePair)).all()
    ids = {x for r in rows for x in (r.person_a, r.person_b)}
    people = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}
    out = [(r, people[r.person_a], people[r.person_b]) for r in rows if r.person_a in people and r.person_b in people]
    if unit_id is not None:
        out = [x for x in out if unit_id in (x[1].unit_id, x[2].unit_id)]
    return sorted(out, key=lambda x: (x[1].name, x[2].name))


def add_pair(*, session: Session, person_a: uuid.UUID, person_b: uuid.UUID, by: Actor) -> LeavePair:
    """Declare that two people must not be away at the same time (order does not matter); the duty office decides."""
    by.require_office("设置不得同时外出的人员", field="person_a")
    actor = by.name
    if person_a == person_b:
        raise Invalid("关联组须为两个不同的人 (a pair needs two different people)", field="person_b")
    for field, pid in (("person_a", person_a), ("person_b", person_b)):
        p = session.get(Person, pid)
        if p is None or not p.active:
            raise Invalid("人员不存在或已停用 (person not found or inactive)", field=field)
    a, b = sorted((person_a, person_b), key=str)
    clash = session.exec(select(LeavePair).where(or_(
        (LeavePair.person_a == a) & (LeavePair.person_b == b),
        (LeavePair.person_a == b) & (LeavePair.person_b == a)))).first()
    if clash is not None:
        raise Conflict("这两人已是关联组 (these two people are already a pair)", field="person_b")
    row = LeavePair(person_a=a, person_b=b)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="leave_pair", entity_id=row.id, after=row)
    return row


def remove_pair(*, session: Session, pair_id: uuid.UUID, by: Actor) -> None:
    """Drop a pair; later leave is no longer checked against it."""
    by.require_office("设置不得同时外出的人员", field="pair_id")
    actor = by.name
    row = session.get(LeavePair, pair_id)
    if row is None:
        raise NotFound(f"未找到该请假关联组 (leave pair {pair_id} not found)", field="pair_id")
    before = audit.jsonable(row)
    session.delete(row)
    session.flush()
    audit.record(session=session, actor=actor, action="delete", entity="leave_pair", entity_id=pair_id, before=before)
