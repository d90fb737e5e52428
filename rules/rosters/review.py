"""Checks over an existing roster: fairness counts, gaps, substitute suggestions.

These work on any list of `Assignment`s (generated, imported from Excel, or
edited after publication), so the console and alerts use the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from math import ceil
from typing import NamedTuple

from rules.rosters.calendar import FESTIVAL_ZH, HolidayCalendar
from rules.rosters.days import Period, blocked_slots, day_table
from rules.rosters.explain import PICK_ZH, SKIP_ZH, Assignment, Gap, RosterPlan
from rules.rosters.policy import (
    DAY_CLASS_ZH,
    DayClass,
    RosterPolicy,
    day_class,
    slot_number,
)

SlotKey = tuple[date, int, str]  # (local date, slot index, post)


def fairness(plan: RosterPlan | Iterable[Assignment], post: str | None = None) -> dict[str, dict[str, int]]:
    """person -> {"workday", "weekend", "holiday": count}; optionally for one post only."""
    rows = plan.assignments if isinstance(plan, RosterPlan) else plan
    out: dict[str, dict[str, int]] = {}
    for a in rows:
        if post is None or a.post == post:
            c = out.setdefault(a.person, {k.value: 0 for k in DayClass})
            c[a.day_class] += 1
    return out


def required_slots(
    policy: RosterPolicy, calendar: HolidayCalendar, first: date, last: date
) -> dict[SlotKey, int]:
    """(date, index, post) -> required head-count, for every slot in [first, last]."""
    out: dict[SlotKey, int] = {}
    for row in day_table(policy, calendar, first, last):
        for idx in range(policy.slots_per_day):
            for rule, n in zip(policy.posts, row.required):
                out[(row.day, idx, rule.name)] = n
    return out


def find_gaps(
    policy: RosterPolicy,
    assignments: Iterable[Assignment],
    required: Mapping[SlotKey, int],
    unavailable: Mapping[str, Sequence[Period]] | None = None,
) -> list[Gap]:
    """Slots below head-count, held by someone unavailable, or one person on two posts."""
    held: dict[SlotKey, list[str]] = {}
    posts_of: dict[tuple[date, int, str], list[str]] = {}
    for a in assignments:
        held.setdefault((a.day, a.index, a.post), []).append(a.person)
        posts_of.setdefault((a.day, a.index, a.person), []).append(a.post)
    days = [k[0] for k in required] + [k[0] for k in held]
    blocked = blocked_slots(policy, unavailable or {}, min(days), max(days)) if days and unavailable else {}
    gaps: list[Gap] = []
    for key in sorted(set(required) | set(held), key=lambda k: (k[0], k[1], k[2])):
        day, idx, post = key
        people, need = held.get(key, []), required.get(key, 0)
        s = slot_number(policy, day, idx)
        for p in people:
            code = blocked.get(p, {}).get(s)
            if code:
                gaps.append(Gap(day, idx, post, 1, "holder_unavailable", ((p, code),), need))
            if len(posts_of[(day, idx, p)]) > 1:
                gaps.append(Gap(day, idx, post, 1, "double_post", ((p, "other_post"),), need))
        if len(set(people)) < need:
            gaps.append(Gap(day, idx, post, need - len(set(people)), "below_required", (), need))
    return gaps


class Shortfall(NamedTuple):
    """A statutory holiday on which a post has fewer people than the holiday head-count (PostRule.holiday_count)."""

    day: date
    post: str
    have: int
    need: int
    festival: str  # the calendar's name (English key of FESTIVAL_ZH)

    def text(self, label: str = "") -> str:
        """zh-CN, e.g. 2026-10-01（国庆节）值班员 1 人，节假日应安排 2 人."""
        return (f"{self.day.isoformat()}（{FESTIVAL_ZH.get(self.festival, self.festival)}）{label or self.post} "
                f"{self.have} 人，节假日应安排 {self.need} 人")


def holiday_shortfalls(
    policy: RosterPolicy, calendar: HolidayCalendar, held: Mapping[tuple[date, str], int], first: date, last: date
) -> list[Shortfall]:
    """Holidays in [first, last] where a post with a holiday head-count holds fewer people than required that day
    (`held`: (date, post) -> people on it; a day absent from `held` is not checked: not in the roster)."""
    days = {d for d, _ in held}
    out: list[Shortfall] = []
    for row in day_table(policy, calendar, first, last):
        if not row.festival or row.day not in days:
            continue
        for rule, need in zip(policy.posts, row.required):
            have = held.get((row.day, rule.name), 0)
            if rule.holiday_count is not None and have < need:
                out.append(Shortfall(row.day, rule.name, have, need, row.festival))
    return out


class Candidate(NamedTuple):
    """A possible substitute (替班人) for one slot; `eligible` ones come first, best first."""

    person: str
    eligible: bool
    code: str  # "substitute" when eligible, else a skip code (leave, rest, other_post)
    count: int  # duties of that day-class already held on this post
    day_class: str

    def text(self, names: Mapping[str, str] | None = None) -> str:
        """zh-CN reason."""
        who = names.get(self.person, self.person) if names else self.person
        if self.eligible:
            cls = DAY_CLASS_ZH[DayClass(self.day_class)]
            return PICK_ZH["substitute"].format(person=who, cls=cls, detail=self.count)
        return f"{who}不可替班：{SKIP_ZH.get(self.code, self.code)}"


def suggest_substitutes(
    policy: RosterPolicy,
    calendar: HolidayCalendar,
    pool: Sequence[str],
    assignments: Sequence[Assignment],
    day: date,
    post: str,
    unavailable: Mapping[str, Sequence[Period]] | None = None,
    index: int = 0,
) -> list[Candidate]:
    """Rank `pool` to replace an unavailable holder: fewest of that day-class, rested, free."""
    cls = day_class(calendar, day).value
    s = slot_number(policy, day, index)
    blocked = blocked_slots(policy, unavailable or {}, day, day)
    counts = fairness((a for a in assignments if a.post == post), None)
    gap = 1 + ceil(policy.min_rest_hours / policy.slot_hours)
    shifts: dict[str, list[int]] = {}
    in_slot: set[str] = set()
    for a in assignments:
        t = slot_number(policy, a.day, a.index)
        if t == s:
            in_slot.add(a.person)
        else:
            shifts.setdefault(a.person, []).append(t)
    out: list[tuple[tuple, Candidate]] = []
    for order, p in enumerate(dict.fromkeys(pool)):
        n = counts.get(p, {}).get(cls, 0)
        code = blocked.get(p, {}).get(s)
        if code is None and p in in_slot:
            code = "other_post"
        if code is None and any(abs(t - s) < gap for t in shifts.get(p, ())):
            code = "rest"  # too close to one of their shifts, before or after
        cand = Candidate(p, code is None, code or "substitute", n, cls)
        out.append(((not cand.eligible, n, order), cand))
    return [c for _, c in sorted(out, key=lambda x: x[0])]


def past_months(months: Sequence[str], today: date) -> list[str]:
    """The months ('2026-10') wholly over by `today` (a local date): importing one rewrites what is on record as
    done, so the import asks for it to be confirmed."""
    def last_day(month: str) -> date:
        y, m = int(month[:4]), int(month[5:7])
        return date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)
    return [m for m in months if last_day(m) < today]
