"""While someone is away: who acts for them, overdue 销假, rostered duties in a leave.

Pure functions over `Leave` records; the instant `at`/`now` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from rules.rosters.explain import Assignment
from rules.rosters.leave import Leave, leave_interval
from rules.rosters.policy import RosterPolicy, slot_bounds


def away_interval(leave: Leave, tz: str) -> tuple[datetime, datetime]:
    """[start, end) the person is actually away: an early 销假 shortens the leave."""
    start, end = leave_interval(leave, tz)
    if leave.returned_at is not None:
        end = max(start, min(end, leave.returned_at))
    return start, end


def active_leave(person: str, at: datetime, leaves: Iterable[Leave], tz: str) -> Leave | None:
    """The leave keeping `person` away at aware instant `at`, if any."""
    for lv in leaves:
        if lv.person == person:
            start, end = away_interval(lv, tz)
            if start <= at < end:
                return lv
    return None


class Acting(NamedTuple):
    """Who acts for someone: `person` is the answer; `chain` the path followed."""

    person: str
    chain: tuple[str, ...]
    cycle: bool = False  # everyone on the chain is away; `person` is the last one reached


def acting_for(person: str, at: datetime, leaves: Sequence[Leave], tz: str) -> Acting:
    """Who acts for `person` at `at` (主持工作): follows acting persons who are away too."""
    chain = [person]
    while True:
        lv = active_leave(chain[-1], at, leaves, tz)
        if lv is None or not lv.acting:
            return Acting(chain[-1], tuple(chain))
        if lv.acting in chain:
            return Acting(chain[-1], tuple(chain), cycle=True)
        chain.append(lv.acting)


def acting_during(person: str, start: datetime, end: datetime, leaves: Sequence[Leave], tz: str) -> Acting | None:
    """Who acts for `person` on a duty slot [start, end) they are rostered on while away (the roster page's 请假 /
    代): `acting_for` at the slot's start, or else at its middle (a leave from noon); None when present."""
    for at in (start, start + (end - start) / 2):
        acting = acting_for(person, at, leaves, tz)
        if acting.person != person or active_leave(person, at, leaves, tz) is not None:
            return acting
    return None


class Overdue(NamedTuple):
    leave: Leave
    since: datetime  # when the leave ended


def overdue_returns(leaves: Iterable[Leave], now: datetime, tz: str) -> list[Overdue]:
    """Leaves past their end with no 销假 (`returned_at` unset), oldest first."""
    out = []
    for lv in leaves:
        end = leave_interval(lv, tz)[1]
        if lv.returned_at is None and end <= now:
            out.append(Overdue(lv, end))
    return sorted(out, key=lambda o: (o.since, o.leave.person))


def duty_conflicts(leave: Leave, assignments: Iterable[Assignment], policy: RosterPolicy) -> list[Assignment]:
    """The leave-taker's rostered slots that overlap the leave (alert: must not be on duty)."""
    start, end = away_interval(leave, policy.tz)
    out = []
    for a in assignments:
        if a.person == leave.person:
            s, e = slot_bounds(policy, a.day, a.index)
            if s < end and start < e:
                out.append(a)
    return out


def unavailable_from_leaves(leaves: Iterable[Leave], tz: str) -> dict[str, list[tuple]]:
    """person -> [(start, end, "leave")] periods, ready for `rotation.generate(unavailable=...)`."""
    out: dict[str, list[tuple]] = {}
    for lv in leaves:
        start, end = away_interval(lv, tz)
        if end > start:
            out.setdefault(lv.person, []).append((start, end, "leave"))
    return out


def covered_by_acting(person: str, start: datetime, end: datetime, leaves: Sequence[Leave], tz: str) -> str | None:
    """Who takes over `person`'s duty in [start, end) while they are away: the acting person (主持工作) named by the
    leave, followed through acting persons who are away too. None when no leave in that time names one, or the
    chain comes back to someone away (nobody present takes over): the slot is then a gap."""
    for lv in leaves:
        if lv.person != person:
            continue
        s, e = away_interval(lv, tz)
        if s < end and start < e:
            who = acting_for(person, max(s, start), leaves, tz)
            return who.person if who.person != person and not who.cycle else None
    return None
