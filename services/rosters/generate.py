"""Generate and store rosters: rules.rotation per unit and month, state carried, slots stored in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from sqlalchemy import delete as sa_delete, insert as sa_insert
from sqlmodel import Session, select

from models.rosters import RosterGap, RosterMonth, RosterStatus, RotationState
from models.types import utcnow
from rules.calendar import HolidayCalendar
from rules.leave_away import unavailable_from_leaves
from rules.rotation import generate as rotate
from rules.rotation_state import PostState
from services import audit
from services.calendar import load_calendar
from services.errors import Conflict, Invalid
from services.leaves import leaves_between, to_rule
from services.rosters import policy as pol
from services.rosters.store import SlotWriter, delete_range


def parse_month(value: str) -> tuple[date, date]:
    """'2026-12' -> (first day, last day); Invalid naming `month` otherwise."""
    try:
        y, m = (int(x) for x in value.split("-"))
        first = date(y, m, 1)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"month {value!r} is not YYYY-MM", field="month") from exc
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def shift_month(key: str, n: int) -> str:
    y, m = (int(x) for x in key.split("-"))
    idx = y * 12 + m - 1 + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _state_before(session: Session, unit_id: uuid.UUID, month: str) -> dict[str, PostState]:
    prev = shift_month(month, -1)
    rows = session.exec(select(RotationState).where(RotationState.unit_id == unit_id, RotationState.month == prev))
    return {r.post: PostState.from_dict(r.state) for r in rows}


def month_row(session: Session, unit_id: uuid.UUID, month: str) -> RosterMonth | None:
    return session.exec(select(RosterMonth).where(RosterMonth.unit_id == unit_id, RosterMonth.month == month)).first()


def generate_month(*, session: Session, unit_id: uuid.UUID, month: str, actor: str, force: bool = False,
                   calendar: HolidayCalendar | None = None, writer: SlotWriter | None = None,
                   tz: str = "Asia/Shanghai") -> RosterMonth:
    """Generate one unit-month (a published month only with `force`, which bumps its version)."""
    generate_unit(session=session, unit_id=unit_id, months=[month], actor=actor, force=force, calendar=calendar,
                  writer=writer, tz=tz)
    return month_row(session, unit_id, month)


def generate_unit(*, session: Session, unit_id: uuid.UUID, months: list[str], actor: str, force: bool = False,
                  calendar: HolidayCalendar | None = None, writer: SlotWriter | None = None,
                  tz: str = "Asia/Shanghai") -> list[dict]:
    """Generate consecutive months of one unit, loading its data once; one audit entry for the run."""
    spans = [parse_month(m) for m in months]
    first, last = spans[0][0], spans[-1][1]
    existing = {r.month: r for r in session.exec(select(RosterMonth).where(
        RosterMonth.unit_id == unit_id, RosterMonth.month.in_(months)))}
    for m, r in existing.items():
        if r.status is RosterStatus.published and not force:
            raise Conflict(f"roster {m} is already published (version {r.version}): regenerate with force",
                           field="month")
    policy = pol.load_policy(session, unit_id, tz)
    pools = pol.pools_of(session, unit_id)
    if not pools:
        raise Invalid("the unit has no duty posts: define posts and pools first", field="posts")
    people = {uuid.UUID(p) for pool in pools.values() for p in pool}
    leaves = leaves_between(session, first - timedelta(days=1), last + timedelta(days=1), people) if people else []
    unavailable = unavailable_from_leaves([to_rule(lv) for lv in leaves], tz)
    calendar = calendar or load_calendar(session=session)
    writer = writer or SlotWriter(session)
    state = _state_before(session, unit_id, months[0])
    delete_range(session, unit_id, first, last)
    session.exec(sa_delete(RosterGap).where(RosterGap.unit_id == unit_id, RosterGap.day >= first,
                                            RosterGap.day <= last))
    session.exec(sa_delete(RotationState).where(RotationState.unit_id == unit_id, RotationState.month.in_(months)))
    states, gaps, new_months, out = [], [], [], []
    now = utcnow()
    for m, (a, b) in zip(months, spans):
        plan = rotate(policy, pools, calendar, a, b, state, unavailable)
        state = plan.state
        n = writer.write(unit_id, policy, plan.assignments)
        states += [{"unit_id": unit_id, "post": p, "month": m, "state": st.to_dict()} for p, st in plan.state.items()]
        gaps += [{"id": uuid.uuid4(), "unit_id": unit_id, "day": g.day, "idx": g.index, "post": g.post,
                  "missing": g.missing, "reason": g.reason, "person_id": None,
                  "text": g.text(post_label=_label(policy, g.post))[:500]} for g in plan.gaps]
        row = existing.get(m)
        if row is None:
            new_months.append({"id": uuid.uuid4(), "unit_id": unit_id, "month": m, "status": RosterStatus.draft,
                               "version": 0, "slots": n, "gaps": len(plan.gaps), "generated_at": now,
                               "published_by": ""})
        else:
            if row.status is RosterStatus.published:
                row.version += 1
            row.slots, row.gaps, row.generated_at = n, len(plan.gaps), now
            session.add(row)
        out.append({"month": m, "slots": n, "gaps": len(plan.gaps)})
    for model, rows in ((RotationState, states), (RosterGap, gaps), (RosterMonth, new_months)):
        if rows:
            session.execute(sa_insert(model), rows)
    session.flush()
    audit.record(session=session, actor=actor, action="generate", entity="roster", entity_id=unit_id,
                 unit_id=unit_id, note=f"{months[0]}..{months[-1]}: {sum(o['slots'] for o in out)} slots, "
                 f"{sum(o['gaps'] for o in out)} gaps" + (" (published months regenerated)" if force else ""))
    return out


def _label(policy, post: str) -> str:
    try:
        return policy.post(post).label or post
    except KeyError:
        return post


def generate_units(*, session_factory: Callable[[], object], unit_ids: Iterable[uuid.UUID], months: list[str],
                   actor: str, force: bool = False, tz: str = "Asia/Shanghai",
                   progress: Callable[[uuid.UUID, int], None] | None = None, chunk: int = 20) -> dict:
    """Stream many units: one transaction per `chunk` units, so memory does not grow with units."""
    totals = {"units": 0, "slots": 0, "gaps": 0, "errors": {}}
    ids = list(unit_ids)
    calendar = None
    for start in range(0, len(ids), chunk):
        with session_factory() as session:
            calendar = calendar or load_calendar(session=session)
            writer = SlotWriter(session)
            for uid in ids[start:start + chunk]:
                slots = 0
                try:
                    with session.begin_nested():
                        done = generate_unit(session=session, unit_id=uid, months=months, actor=actor, force=force,
                                             calendar=calendar, writer=writer, tz=tz)
                    slots = sum(d["slots"] for d in done)
                    totals["gaps"] += sum(d["gaps"] for d in done)
                except (Invalid, Conflict) as exc:
                    totals["errors"][str(uid)] = exc.reason
                totals["units"] += 1
                totals["slots"] += slots
                if progress:
                    progress(uid, slots)
            session.expunge_all()
    return totals
