"""Roster gaps: slots below head-count or held by someone on leave; substitutes; their alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import NotFound
from models.directory import Person, Unit
from models.rosters.roster import RosterGap, RosterMonth, RosterSlot
from rules.rosters.away import covered_by_acting, unavailable_from_leaves
from rules.rosters.policy import slot_bounds
from rules.rosters.review import required_slots
from rules.rosters.rotation import find_gaps, suggest_substitutes
from services.access import Actor
from services.alerts import Alert
from services.rosters import policy as pol
from services.rosters.absences import leaves_between, to_rule
from services.rosters.calendar import load_calendar
from services.rosters.generate import month_key, month_row, parse_month
from services.rosters.store import load_slots, to_assignment

SYSTEM = Actor.system("system:roster-gaps")  # the gap alert's own look-ups


def _names(session: Session, ids) -> dict[str, str]:
    ids = [uuid.UUID(str(i)) for i in ids]
    return {str(p.id): p.name for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}


def _unavailable(session: Session, people, first: date, last: date, tz: str) -> dict:
    rows = leaves_between(session, first - timedelta(days=1), last + timedelta(days=1), people)
    return unavailable_from_leaves([to_rule(r) for r in rows], tz)


def refresh_month(*, session: Session, unit_id: uuid.UUID, month: str, tz: str) -> int:
    """Recompute and store the open gaps of one stored unit-month; returns how many."""
    row = month_row(session, unit_id, month)
    if row is None:
        return 0
    first, last = parse_month(month)
    policy = pol.load_policy(session, unit_id, tz)
    slots = [to_assignment(s) for s in load_slots(session, unit_id, first, last)]
    people = {uuid.UUID(a.person) for a in slots}
    leaves = [to_rule(r) for r in leaves_between(session, first - timedelta(days=1), last + timedelta(days=1))]
    unavailable = unavailable_from_leaves([lv for lv in leaves if uuid.UUID(lv.person) in people], tz)
    found = find_gaps(policy, slots, required_slots(policy, load_calendar(session=session), first, last), unavailable)
    # a leave naming an acting person who is present covers the holder's slot: the on-duty list and the escalation
    # already go to "董国华（代宋海燕）", so it is no gap and no substitute is needed (rest-time rules do not apply to
    # the acting person the leave names), when that person may hold the post
    pools = pol.pools_of(session, unit_id) if any(g.reason == "holder_unavailable" for g in found) else {}

    def covered(g) -> bool:  # by an acting person who may hold that post (in its pool)
        who = covered_by_acting(g.blockers[0][0], *slot_bounds(policy, g.day, g.index), leaves, tz)
        return who is not None and who in {str(p) for p in pools.get(g.post, [])}

    found = [g for g in found if not (g.reason == "holder_unavailable" and covered(g))]
    names = _names(session, {p for g in found for p, _ in g.blockers})
    session.exec(sa_delete(RosterGap).where(RosterGap.unit_id == unit_id, RosterGap.day >= first,
                                            RosterGap.day <= last))
    for g in found:
        holder = uuid.UUID(g.blockers[0][0]) if g.reason == "holder_unavailable" else None
        label = next((p.label for p in policy.posts if p.name == g.post), g.post)
        session.add(RosterGap(unit_id=unit_id, day=g.day, idx=g.index, post=g.post, missing=g.missing,
                              reason=g.reason, person_id=holder, text=g.text(names, label)[:500]))
    row.gaps = len(found)
    session.add(row)
    session.flush()
    return len(found)


def refresh_for_person(*, session: Session, person_id: uuid.UUID, first: date, last: date, tz: str) -> None:
    """Re-check every unit-month where `person_id` holds a slot in [first, last]."""
    q = (select(RosterSlot.unit_id, RosterSlot.day).where(RosterSlot.person_id == person_id,
                                                          RosterSlot.day >= first - timedelta(days=1),
                                                          RosterSlot.day <= last))
    for unit_id, month in {(u, month_key(d)) for u, d in session.exec(q)}:
        refresh_month(session=session, unit_id=unit_id, month=month, tz=tz)


def open_gaps(session: Session, first: date, last: date, unit_id: uuid.UUID | None = None) -> list[RosterGap]:
    q = select(RosterGap).where(RosterGap.day >= first, RosterGap.day <= last)
    if unit_id is not None:
        q = q.where(RosterGap.unit_id == unit_id)
    return list(session.exec(q.order_by(RosterGap.day, RosterGap.unit_id, RosterGap.post)))


def uncovered_by_absence(session: Session, absences) -> dict:
    """absence id -> the open gaps its person leaves on their own slots in its days (the leave list's 需替班)."""
    absences = list(absences)
    if not absences:
        return {}
    q = select(RosterGap).where(RosterGap.person_id.in_({a.person_id for a in absences}),
                                RosterGap.day >= min(a.start_day for a in absences),
                                RosterGap.day <= max(a.end_day for a in absences))
    found = list(session.exec(q.order_by(RosterGap.day)))
    return {a.id: [g for g in found if g.person_id == a.person_id and a.start_day <= g.day <= a.end_day]
            for a in absences}


def gaps_for(*, session: Session, first: date, last: date, by: Actor, unit_id: uuid.UUID | None = None
             ) -> list[RosterGap]:
    """Open gaps in [first, last] of one unit, or of every unit `by` may see."""
    if unit_id is not None:
        by.check_own_unit(unit_id)
    return open_gaps(session, first, last, unit_id or by.scope)


def substitutes(*, session: Session, gap_id: uuid.UUID, tz: str, by: Actor) -> list[dict]:
    """Ranked candidates for a gap (eligible first), each with a zh-CN reason."""
    gap = session.get(RosterGap, gap_id)
    if gap is None:
        raise NotFound(f"未找到该缺口 (gap {gap_id} not found)", field="gap_id")
    by.check_unit(gap.unit_id, field="gap_id", reason=f"未找到该缺口 (gap {gap_id} not found)")
    first, last = parse_month(month_key(gap.day))
    policy = pol.load_policy(session, gap.unit_id, tz)
    pool = pol.pools_of(session, gap.unit_id).get(gap.post, [])
    slots = [to_assignment(s) for s in load_slots(session, gap.unit_id, first, last)]
    unavailable = _unavailable(session, [uuid.UUID(p) for p in pool], gap.day, gap.day, tz) if pool else {}
    cands = suggest_substitutes(policy, load_calendar(session=session), pool, slots, gap.day, gap.post,
                                unavailable, gap.idx)
    names = _names(session, pool)
    return [{"person_id": c.person, "name": names.get(c.person, c.person), "eligible": c.eligible,
             "code": c.code, "count": c.count, "text": c.text(names)} for c in cands]


def roster_gaps(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Slots in the coming weeks below head-count or held by someone on leave (within `scope`: that unit's)."""
    today = now.astimezone(settings.tz).date()
    q = (select(RosterGap.reason, func.count(), func.min(RosterGap.day))
         .where(RosterGap.day >= today, RosterGap.day <= today + timedelta(days=settings.rosters.gap_horizon_days))
         .group_by(RosterGap.reason))
    if scope is not None:
        q = q.where(RosterGap.unit_id == scope)
    out = []
    for reason, n, first in session.exec(q):
        on_leave = reason == "holder_unavailable"
        code = "roster_holder_on_leave" if on_leave else "roster_gap"
        zh = "值班人员请假未替班" if on_leave else "值班岗位人数不足"
        en = "rostered person on leave, no substitute" if on_leave else "roster slots below head-count"
        hints = _suggestions(session, reason, today, settings.timezone, scope)
        out.append(Alert(code, "critical" if first <= today + timedelta(days=2) else "warning",
                         f"{zh}：{n} 个班次（最早 {first.isoformat()}）" + "".join(f"；{h}" for h in hints),
                         f"{en}: {n} slots (first {first})", count=n, link="/rosters/gaps"))
    return out


def _suggestions(session: Session, reason: str, today: date, tz: str, scope=None, limit: int = 3) -> list[str]:
    """The earliest gaps of one kind, each with the unit and the first eligible substitute (建议替班)."""
    q = (select(RosterGap, Unit.name).join(Unit, Unit.id == RosterGap.unit_id)
         .where(RosterGap.reason == reason, RosterGap.day >= today)
         .order_by(RosterGap.day, RosterGap.idx, Unit.sort_order).limit(limit))
    if scope is not None:
        q = q.where(RosterGap.unit_id == scope)
    out = []
    for gap, unit in session.exec(q):
        best = next((c for c in substitutes(session=session, gap_id=gap.id, tz=tz, by=SYSTEM) if c["eligible"]), None)
        out.append(f"{unit} {gap.text}，" + (f"建议替班：{best['name']}" if best else "无可替班人员"))
    return out


def month_status(session: Session, months: list[str]) -> dict[tuple[uuid.UUID, str], RosterMonth]:
    rows = session.exec(select(RosterMonth).where(RosterMonth.month.in_(months)))
    return {(r.unit_id, r.month): r for r in rows}


def active_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.active).order_by(Unit.sort_order, Unit.code)))
