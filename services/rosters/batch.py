"""Generate many units at once: inputs loaded per chunk of units, one rules call per unit, one bulk write.

A province is 3,000 units: per-unit queries and per-month rules calls cost more
than the rotation itself, so everything a chunk needs is read in a handful of
queries and its slots leave in one COPY / executemany. A chunk is planned from
reads only (`plan_batch`) and written in one transaction (`write_batch`), so a
long run can plan the next chunk in another process while this one writes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete as sa_delete
from sqlalchemy import insert as sa_insert
from sqlmodel import Session, select

from core.errors import Conflict, Invalid
from models.directory import Person
from models.rosters.roster import (
    DutyPost,
    PoolMember,
    RosterGap,
    RosterMonth,
    RosterSlot,
    RosterStatus,
    RotationState,
    UnitRosterPolicy,
)
from models.types import utcnow
from rules.rosters.away import unavailable_from_leaves
from rules.rosters.calendar import HolidayCalendar
from rules.rosters.policy import RosterPolicy
from rules.rosters.rotation import generate as rotate
from rules.rosters.state import PostState
from services import audit
from services.rosters.absences import leaves_between, to_rule
from services.rosters.policy import to_policy
from services.rosters.store import (
    ROW_COLUMNS,
    BulkCache,
    SlotWriter,
    bulk_insert,
    copy_escape,
)


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
            raise Conflict(f"{m} 排班已发布（第 {r.version} 版）：如需重排请强制重新生成 "
                           f"(roster {m} is already published: regenerate with force)",
                           field="month")
    if not inp.posts:
        raise Invalid("该单位尚未设置值班岗位：请先设置岗位和轮换人员 "
                      "(the unit has no duty posts: define posts and pools first)", field="posts")
    return to_policy(inp.policy_row, inp.posts, tz=tz, unit=str(uid))


@dataclass
class BatchPlan:
    """What one chunk of units will write, planned from reads only (in this process or a planner process)."""

    months: list[str]
    force: bool
    ok: list[uuid.UUID] = field(default_factory=list)
    errors: dict[str, Exception] = field(default_factory=dict)
    rows: list[tuple] = field(default_factory=list)  # roster_slot rows, text forms, sorted by start
    states: list[tuple] = field(default_factory=list)  # rotation_state rows, text forms
    gaps: list[dict] = field(default_factory=list)
    results: dict[uuid.UUID, list[dict]] = field(default_factory=dict)  # per unit: month, slots, gaps


def plan_batch(*, session: Session, unit_ids: list[uuid.UUID], months: list[str], calendar: HolidayCalendar,
               force: bool = False, tz: str) -> BatchPlan:
    """Rotate consecutive `months` for each unit and build the rows to write; reads only."""
    spans = [_month_span(m) for m in months]
    first, last = spans[0][0], spans[-1][1]
    out = BatchPlan(months=months, force=force)
    inputs = load_inputs(session, unit_ids, months)
    policies = {}
    for uid in unit_ids:
        try:
            policies[uid] = _check(uid, inputs[uid], force, tz)
        except (Invalid, Conflict) as exc:
            out.errors[str(uid)] = exc
    out.ok = list(policies)
    if not out.ok:
        return out
    people = {uuid.UUID(p) for uid in out.ok for pool in inputs[uid].pools.values() for p in pool}
    away = defaultdict(list)
    for lv in leaves_between(session, first - timedelta(days=1), last + timedelta(days=1), people) if people else ():
        away[lv.person_id].append(to_rule(lv))
    writer = SlotWriter(session)
    pg = writer.dialect == "postgresql"
    ends = [b for _, b in spans]
    for uid in out.ok:
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
            out.gaps.append({"id": uuid.uuid4(), "unit_id": uid, "day": g.day, "idx": g.index, "post": g.post,
                             "missing": g.missing, "reason": g.reason, "person_id": None,
                             "text": g.text(post_label=label)[:500]})
        out.results[uid] = []
        for m, (a, b) in zip(months, spans):
            n, ng = per_month[(a.year, a.month)]
            out.states += [(uid.hex, copy_escape(p), m, copy_escape(st)) if pg else (uid.hex, p, m, st)
                           for p, st in plan.checkpoints[b].items()]
            out.results[uid].append({"month": m, "slots": n, "gaps": ng})
    out.rows = writer.take()
    return out


def write_batch(*, session: Session, plan: BatchPlan, actor: str, cache: BulkCache | None = None
                ) -> tuple[dict[uuid.UUID, list[dict]], dict[str, Exception]]:
    """Replace the planned units' months with the plan, in the caller's transaction; returns results and refusals.

    A month published since the plan was read (a planner process reads ahead) is refused here, unless forced."""
    months, errors = plan.months, dict(plan.errors)
    ok = list(plan.ok)
    if not ok:
        return {}, errors
    existing = {(r.unit_id, r.month): r for r in session.exec(
        select(RosterMonth).where(RosterMonth.unit_id.in_(ok), RosterMonth.month.in_(months)))}
    late = {uid for (uid, _), r in existing.items() if r.status is RosterStatus.published and not plan.force}
    rows, states, gaps = plan.rows, plan.states, plan.gaps
    if late:
        for uid in late:
            m = min(m for (u, m), r in existing.items() if u == uid and r.status is RosterStatus.published)
            errors[str(uid)] = Conflict(f"{m} 排班在此期间已发布：如需重排请强制重新生成 "
                                        "(published meanwhile: regenerate with force)", field="month")
        ok = [u for u in ok if u not in late]
        gone = {u.hex for u in late}
        rows = [r for r in rows if r[1] not in gone]
        states = [r for r in states if r[0] not in gone]
        gaps = [g for g in gaps if g["unit_id"] not in late]
        if not ok:
            return {}, errors
    first, last = _month_span(months[0])[0], _month_span(months[-1])[1]
    for model, cond in ((RotationState, RotationState.month.in_(months)),
                        (RosterGap, RosterGap.day.between(first, last)),
                        (RosterSlot, RosterSlot.day.between(first, last))):
        session.exec(sa_delete(model).where(model.unit_id.in_(ok), cond))
    bulk_insert(session, "roster_slot", ROW_COLUMNS, rows, cache)
    bulk_insert(session, "rotation_state", ("unit_id", "post", "month", "state"), states)
    if gaps:
        session.execute(sa_insert(RosterGap), gaps)
    results, new_months, now = {uid: plan.results[uid] for uid in ok}, [], utcnow()
    for uid in ok:
        for r in results[uid]:
            row = existing.get((uid, r["month"]))
            if row is None:
                new_months.append({"id": uuid.uuid4(), "unit_id": uid, "month": r["month"], "version": 0,
                                   "status": RosterStatus.draft, "slots": r["slots"], "gaps": r["gaps"],
                                   "generated_at": now, "published_by": ""})
            else:
                row.version += row.status is RosterStatus.published
                row.slots, row.gaps, row.generated_at = r["slots"], r["gaps"], now
                session.add(row)
    if new_months:
        session.execute(sa_insert(RosterMonth), new_months)
    session.flush()
    slots = sum(r["slots"] for rs in results.values() for r in rs)
    nr_gaps = sum(r["gaps"] for rs in results.values() for r in rs)
    one = ok[0] if len(ok) == 1 else ""
    span = months[0] if len(months) == 1 else f"{months[0]}至{months[-1]}"
    # zh-CN note, and the same figures as values (the audit page labels them in either language)
    audit.record(session=session, actor=actor, action="generate", entity="roster", entity_id=one, unit_id=one,
                 after={"months": span, "units": len(ok), "slots": slots, "gaps": nr_gaps, "force": plan.force},
                 note=(f"{len(ok)}个单位，" if not one else "") + f"{span}：{slots}个班次，{nr_gaps}处缺岗"
                 + ("（已发布的月份重新生成）" if plan.force else ""))
    return results, errors


def generate_batch(*, session: Session, unit_ids: list[uuid.UUID], months: list[str], actor: str,
                   calendar: HolidayCalendar, force: bool = False, tz: str,
                   cache: BulkCache | None = None) -> tuple[dict[uuid.UUID, list[dict]], dict[str, Exception]]:
    """Generate consecutive `months` per unit in one transaction; returns month results and the refusals (units
    left as they were)."""
    plan = plan_batch(session=session, unit_ids=unit_ids, months=months, calendar=calendar, force=force, tz=tz)
    return write_batch(session=session, plan=plan, actor=actor, cache=cache)
