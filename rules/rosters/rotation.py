"""Fair round-robin roster generation (排班), pure and deterministic.

Workdays and weekends: one round-robin pointer per (post, day-class). A person
whose turn comes while on leave, short of rest, or already on another post in
that slot is skipped and owed a turn (欠班, capped at `policy.max_debt`); owed
turns are served first, at the next slot of that day-class they can take.
Statutory holidays: per holiday name, people who worked neither this nor the
previous occurrence (e.g. last year's Spring Festival) go first, then fewest
holiday duties, then the round-robin order. Short slots become `Gap`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from math import ceil

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.days import Period, blocked_slots, day_table
from rules.rosters.explain import Assignment, Gap, RosterPlan
from rules.rosters.policy import DayClass, RosterPolicy
from rules.rosters.review import fairness, find_gaps, suggest_substitutes
from rules.rosters.state import ClassState, PostState

__all__ = ["generate", "suggest_substitutes", "fairness", "find_gaps", "RosterPlan", "Period"]
_HOLIDAY = DayClass.holiday.value
_NEVER = -(10**9)


def generate(
    policy: RosterPolicy,
    pools: Mapping[str, Sequence[str]],
    calendar: HolidayCalendar,
    first_day: date,
    last_day: date,
    state: Mapping[str, PostState] | None = None,
    unavailable: Mapping[str, Sequence[Period]] | None = None,
    checkpoints: Sequence[date] = (),
) -> RosterPlan:
    """Roster every slot of [first_day, last_day]; `checkpoints` days also get the state after them."""
    state = state or {}
    states = {k: v.copy() for k, v in state.items()}
    for rule in policy.posts:
        states.setdefault(rule.name, PostState())
    last: dict[str, int] = {}
    for st in states.values():
        for p, s in st.last_slot.items():
            if s > last.get(p, _NEVER):
                last[p] = s
    plan = RosterPlan(state=states)
    if last_day < first_day:
        return plan
    blocked = blocked_slots(policy, unavailable or {}, first_day, last_day)
    g = _Gen(plan, last, blocked, 1 + ceil(policy.min_rest_hours / policy.slot_hours), policy.max_debt)
    posts = []
    for i, rule in enumerate(policy.posts):
        pool = list(dict.fromkeys(pools.get(rule.name, ())))  # de-duplicated, order kept
        posts.append((i, rule.name, pool, {p: j for j, p in enumerate(pool)}, states[rule.name]))
    marks = set(checkpoints)
    for row in day_table(policy, calendar, first_day, last_day):
        for idx in range(policy.slots_per_day):
            g.taken = {}
            for i, post, pool, index_of, st in posts:
                need = row.required[i]
                if need:
                    g.fill(row, idx, row.base + idx, post, pool, index_of, st, need)
        if row.day in marks:  # e.g. month ends: one call per unit-year still yields each month's state
            plan.checkpoints[row.day] = {post: st.snapshot_json({p: last[p] for p in pool if p in last})
                                         for _, post, pool, _, st in posts}
    for _, post, pool, _, st in posts:
        _settled(st, pool, last)
    return plan


def _settled(st: PostState, pool: list, last: dict) -> PostState:
    """`st` with its pool's last shifts recorded (what the next run needs for rest rules)."""
    st.last_slot.update({p: last[p] for p in pool if p in last})
    return st


class _Gen:
    """The mutable working set of one `generate` call."""

    __slots__ = ("plan", "last", "blocked", "min_gap", "max_debt", "taken")

    def __init__(self, plan: RosterPlan, last: dict, blocked: dict, min_gap: int, max_debt: int) -> None:
        self.plan, self.last, self.blocked = plan, last, blocked
        self.min_gap, self.max_debt, self.taken = min_gap, max_debt, {}

    def why_not(self, p: str, s: int) -> str | None:
        b = self.blocked.get(p)
        if b is not None and s in b:
            return b[s]
        if p in self.taken:
            return "other_post"
        if s - self.last.get(p, _NEVER) < self.min_gap:
            return "rest"
        return None

    def fill(self, row, idx, s, post, pool, index_of, st: PostState, need: int) -> None:
        n = len(pool)
        if row.cls == _HOLIDAY:
            picks = self.pick_holiday(row, s, pool, index_of, st, need) if n else []
        else:
            picks = self.pick_turns(st.cls(row.cls), s, pool, index_of, need) if n else []
        out, taken, last = self.plan.assignments, self.taken, self.last
        for p, reason, detail, skipped in picks:
            out.append(Assignment(row.day, idx, post, p, row.cls, reason, detail, skipped, row.festival))
            taken[p] = post
            last[p] = s
        if len(picks) < need:
            chosen = {x[0] for x in picks}
            blockers = tuple((p, self.why_not(p, s) or "unavailable") for p in pool if p not in chosen)
            reason = "pool_exhausted" if n else "empty_pool"
            self.plan.gaps.append(Gap(row.day, idx, post, need - len(picks), reason, blockers, need))

    def pick_turns(self, cs: ClassState, s: int, pool, index_of, need: int) -> list:
        n = len(pool)
        start = (index_of[cs.last] + 1 if cs.last in index_of else cs.pos) % n
        picks: list[list] = []
        debts = cs.debts
        if debts:  # owed turns first, in rotation order
            for off in range(n):
                p = pool[(start + off) % n]
                d = debts.get(p)
                if d and self.why_not(p, s) is None:
                    picks.append([p, "debt", d - 1, ()])
                    if d > 1:
                        debts[p] = d - 1
                    else:
                        del debts[p]
                    self.taken[p] = "?"  # held for this slot while the pointer scans
                    if len(picks) == need:
                        break
        pending: list[tuple[str, str]] = []
        off = 0
        while len(picks) < need and off < n:
            p = pool[(start + off) % n]
            off += 1
            held = next((x for x in picks if x[0] == p), None) if picks else None
            if held is not None:  # its own turn came too: count it as the turn, debt stays owed
                debts[p] = held[2] + 1
                held[1], held[2], held[3] = "turn", 0, tuple(pending)
            else:
                why = self.why_not(p, s)
                if why is not None:
                    pending.append((p, why))
                    continue
                picks.append([p, "turn", 0, tuple(pending)])
                self.taken[p] = "?"
            for q, _ in pending:  # skipped before someone served: owed a turn
                debts[q] = min(self.max_debt, debts.get(q, 0) + 1)
            pending = []
            cs.last, cs.pos = p, (start + off) % n
        counts = cs.counts
        for x in picks:
            counts[x[0]] = counts.get(x[0], 0) + 1
            del self.taken[x[0]]
        return picks

    def pick_holiday(self, row, s: int, pool, index_of, st: PostState, need: int) -> list:
        hs, fs = st.cls(_HOLIDAY), st.festival(row.festival)
        if fs.current != row.occurrence:
            fs.previous, fs.current = fs.current, row.occurrence
        counts = hs.counts
        known = [counts[p] for p in pool if p in counts]
        for p in pool:  # a newcomer joins at the current level, not at zero
            if p not in counts:
                counts[p] = min(known) if known else 0
        n = len(pool)
        start = (index_of[hs.last] + 1 if hs.last in index_of else hs.pos) % n
        worked, occ = fs.last_worked, fs.occurrences
        cur, prev = fs.current, fs.previous

        def key(off: int) -> tuple:
            p = pool[(start + off) % n]
            w = worked.get(p)
            return (w == cur, prev is not None and w == prev, counts[p], occ.get(p, 0), off)

        picks: list[list] = []
        skipped: list[tuple[str, str]] = []
        for off in sorted(range(n), key=key):
            p = pool[(start + off) % n]
            why = self.why_not(p, s)
            if why is not None:
                skipped.append((p, why))
                continue
            again, had_prev = worked.get(p) == cur, prev is not None and worked.get(p) == prev
            code = "holiday_again" if again else "holiday_prev" if had_prev else "holiday_fresh"
            picks.append([p, code, counts[p], tuple(skipped)])
            counts[p] += 1
            if not again:
                worked[p], occ[p] = cur, occ.get(p, 0) + 1
            hs.last, hs.pos = p, (start + off + 1) % n
            self.taken[p] = "?"
            if len(picks) == need:
                break
        for x in picks:
            del self.taken[x[0]]
        return picks
