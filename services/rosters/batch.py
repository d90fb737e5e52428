"""Generate many units at once: inputs loaded per chunk of units, one rules call per unit, one bulk write.

A province is 3,000 units: per-unit queries and per-month rules calls cost more
than the rotation itself, so everything a chunk needs is read in a handful of
queries and its slots leave in one COPY / executemany.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete as sa_delete, insert as sa_insert
from sqlmodel import Session, select

from models.org import Person
from models.rosters import (DutyPost, PoolMember, RosterGap, RosterMonth, RosterSlot, RosterStatus, RotationState,
                            UnitRosterPolicy)
from models.types import utcnow
from rules.calendar import HolidayCalendar
from rules.leave_away import unavailable_from_leaves
from rules.roster_policy import RosterPolicy
from rules.rotation import generate as rotate
from rules.rotation_state import PostState
from services import audit
from services.errors import Conflict, Invalid
from services.leaves import leaves_between, to_rule
from services.rosters.policy import to_policy
from services.rosters.store import SlotWriter, bulk_insert, copy_escape


@dataclass
class UnitInput:
    """What one unit's run needs, read in bulk for a chunk of units."""

    posts: list[DutyPost] = field(default_factory=list)
    pools: dict[str, list[str]] = field(default_factory=dict)
    policy_row: UnitRosterPolicy | None = None
    existing: dict[str, RosterMonth] = field(default_factory=dict)
    state: dict[str, PostState] = field(default_factory=dict)


def _month_span(key: str) -> tuple[date, date]:
    y, m = (int(x) for x in key.split("-"))
    return date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)


def _prev(key: str) -> str:
    y, m = (int(x) for x in key.split("-"))
    return f"{y - (m == 1):04d}-{(m - 2) % 12 + 1:02d}"


def load_inputs(session: Session, unit_ids: list[uuid.UUID], months: list[str]) -> dict[uuid.UUID, UnitInput]:
    """Posts, active pools, policy rows, existing months and carried state of many units: five queries."""
    out = {u: UnitInput() for u in unit_ids}
    posts = session.exec(select(DutyPost).where(DutyPost.unit_id.in_(unit_ids))
                         .order_by(DutyPost.unit_id, DutyPost.sort_order, DutyPost.name)).all()
    by_post = {}
    for p in posts:
        out[p.unit_id].posts.append(p)
        out[p.unit_id].pools[p.name] = by_post[p.id] = []
    if by_post:
        q = (select(PoolMember.post_id, PoolMember.person_id).join(Person, Person.id == PoolMember.person_id)
             .where(PoolMember.post_id.in_(list(by_post)), Person.active).order_by(PoolMember.position))
        for post_id, person_id in session.exec(q):
            by_post[post_id].append(str(person_id))
    for row in session.exec(select(UnitRosterPolicy).where(UnitRosterPolicy.unit_id.in_(unit_ids))):
        out[row.unit_id].policy_row = row
    for row in session.exec(select(RosterMonth).where(RosterMonth.unit_id.in_(unit_ids),
                                                      RosterMonth.month.in_(months))):
        out[row.unit_id].existing[row.month] = row
    for row in session.exec(select(RotationState).where(RotationState.unit_id.in_(unit_ids),
                                                        RotationState.month == _prev(months[0]))):
        out[row.unit_id].state[row.post] = PostState.from_dict(row.state)
    return out


def _check(uid: uuid.UUID, inp: UnitInput, force: bool, tz: str) -> RosterPolicy:
    for m, r in sorted(inp.existing.items()):
        if r.status is RosterStatus.published and not force:
            raise Conflict(f"roster {m} is already published (version {r.version}): regenerate with force",
                           field="month")
    if not inp.posts:
        raise Invalid("the unit has no duty posts: define posts and pools first", field="posts")
    return to_policy(inp.policy_row, inp.posts, str(uid), tz)


def generate_batch(*, session: Session, unit_ids: list[uuid.UUID], months: list[str], actor: str,
                   calendar: HolidayCalendar, force: bool = False, tz: str = "Asia/Shanghai",
                   writer: SlotWriter | None = None) -> tuple[dict[uuid.UUID, list[dict]], dict[str, Exception]]:
    """Generate consecutive `months` per unit; returns month results and the refusals (units left as they were)."""
    spans = [_month_span(m) for m in months]
    first, last = spans[0][0], spans[-1][1]
    inputs = load_inputs(session, unit_ids, months)
    errors, policies = {}, {}
    for uid in unit_ids:
        try:
            policies[uid] = _check(uid, inputs[uid], force, tz)
        except (Invalid, Conflict) as exc:
            errors[str(uid)] = exc
    ok = list(policies)
    if not ok:
        return {}, errors
    people = {uuid.UUID(p) for uid in ok for pool in inputs[uid].pools.values() for p in pool}
    away = defaultdict(list)
    for lv in leaves_between(session, first - timedelta(days=1), last + timedelta(days=1), people) if people else ():
        away[lv.person_id].append(to_rule(lv))
    for model, cond in ((RotationState, RotationState.month.in_(months)),
                        (RosterGap, RosterGap.day.between(first, last)),
                        (RosterSlot, RosterSlot.day.between(first, last))):
        session.exec(sa_delete(model).where(model.unit_id.in_(ok), cond))
    writer = writer or SlotWriter(session)
    ends = [b for _, b in spans]
    states, gaps, new_months, results, now = [], [], [], {}, utcnow()
    for uid in ok:
        inp, policy = inputs[uid], policies[uid]
        mine = [lv for p in {uuid.UUID(x) for pool in inp.pools.values() for x in pool} for lv in away.get(p, ())]
        plan = rotate(policy, inp.pools, calendar, first, last, inp.state, unavailable_from_leaves(mine, tz),
                      checkpoints=ends)
        writer.add(uid, policy, plan.assignments)
        per_month = defaultdict(lambda: [0, 0])
        for a in plan.assignments:
            per_month[(a.day.year, a.day.month)][0] += 1
        for g in plan.gaps:
            per_month[(g.day.year, g.day.month)][1] += 1
            label = next((p.label for p in policy.posts if p.name == g.post and p.label), g.post)
            gaps.append({"id": uuid.uuid4(), "unit_id": uid, "day": g.day, "idx": g.index, "post": g.post,
                         "missing": g.missing, "reason": g.reason, "person_id": None,
                         "text": g.text(post_label=label)[:500]})
        results[uid] = []
        for m, (a, b) in zip(months, spans):
            n, ng = per_month[(a.year, a.month)]
            states += [(uid.hex, p, m, st) for p, st in plan.checkpoints[b].items()]
            row = inp.existing.get(m)
            if row is None:
                new_months.append({"id": uuid.uuid4(), "unit_id": uid, "month": m, "status": RosterStatus.draft,
                                   "version": 0, "slots": n, "gaps": ng, "generated_at": now, "published_by": ""})
            else:
                row.version += row.status is RosterStatus.published
                row.slots, row.gaps, row.generated_at = n, ng, now
                session.add(row)
            results[uid].append({"month": m, "slots": n, "gaps": ng})
    writer.send()
    if writer.dialect == "postgresql":
        states = [(u, copy_escape(p), m, copy_escape(st)) for u, p, m, st in states]
    bulk_insert(session, "rotation_state", ("unit_id", "post", "month", "state"), states)
    for model, rows in ((RosterGap, gaps), (RosterMonth, new_months)):
        if rows:
            session.execute(sa_insert(model), rows)
    session.flush()
    slots = sum(r["slots"] for rs in results.values() for r in rs)
    nr_gaps = sum(r["gaps"] for rs in results.values() for r in rs)
    one = ok[0] if len(ok) == 1 else ""
    audit.record(session=session, actor=actor, action="generate", entity="roster", entity_id=one, unit_id=one,
                 note=(f"{len(ok)} units, " if not one else "") + f"{months[0]}..{months[-1]}: {slots} slots, "
                 f"{nr_gaps} gaps" + (" (published months regenerated)" if force else ""))
    return results, errors
