"""The per-day facts a roster run needs, computed once and shared by every unit.

`day_table` classifies each date (day-class, holiday name and occurrence,
head-count per post); `blocked_slots` turns unavailability periods (leave,
trips) into the slot numbers they touch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple, Union

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.policy import (
    RosterPolicy,
    day_class,
    required_count,
    slot_number,
    slot_of_local,
)

# (start, end) or (start, end, code). Dates are whole local days, end inclusive;
# datetimes are instants, end exclusive (naive ones are local wall time).
Period = Union[tuple[date, date], tuple[date, date, str]]


class DayRow(NamedTuple):
    day: date
    base: int  # slot_number of the day's first slot
    cls: str  # DayClass value
    festival: str  # statutory holiday name, "" otherwise
    occurrence: str  # ISO first day of this run of the holiday, "" otherwise
    required: tuple[int, ...]  # head-count per post, in policy.posts order


def occurrence_start(calendar: HolidayCalendar, d: date) -> date:
    """First day of the consecutive run of the same statutory holiday containing `d`."""
    name = calendar.day(d).name
    while True:
        prev = calendar.day(d - timedelta(days=1))
        if not (prev.is_holiday and prev.name == name):
            return d
        d -= timedelta(days=1)


def day_table(policy: RosterPolicy, calendar: HolidayCalendar, first: date, last: date) -> tuple[DayRow, ...]:
    """One row per local date in [first, last]; cached (the calendar is treated as immutable)."""
    # Keyed by what the rows depend on, not the unit: 3,000 units share one table.
    key = (policy.posts, policy.flood, policy.slot_hours, policy.tz)
    return _day_table(key, calendar, first, last)


@lru_cache(maxsize=64)
def _day_table(key: tuple, calendar: HolidayCalendar, first: date, last: date) -> tuple[DayRow, ...]:
    posts, flood, slot_hours, tz = key
    policy = RosterPolicy(tz=tz, posts=posts, flood=flood, slot_hours=slot_hours)
    rows, d = [], first
    while d <= last:
        info = calendar.day(d)
        festival = info.name if info.is_holiday else ""
        occ = occurrence_start(calendar, d).isoformat() if festival else ""
        req = tuple(required_count(policy, calendar, p.name, d) for p in policy.posts)
        rows.append(DayRow(d, slot_number(policy, d), day_class(calendar, d).value, festival, occ, req))
        d += timedelta(days=1)
    return tuple(rows)


def _local(policy: RosterPolicy, v: date | datetime, *, end: bool) -> datetime:
    if isinstance(v, datetime):
        return v.astimezone(policy.zone).replace(tzinfo=None) if v.tzinfo else v
    return datetime.combine(v + timedelta(days=1) if end else v, time())


def blocked_slots(
    policy: RosterPolicy, unavailable: Mapping[str, Sequence[Period]], first: date, last: date
) -> dict[str, dict[int, str]]:
    """person -> {slot_number: reason code} for every slot a period overlaps, within [first, last]."""
    lo = slot_number(policy, first)
    hi = slot_number(policy, last, policy.slots_per_day - 1)
    out: dict[str, dict[int, str]] = {}
    for person, periods in unavailable.items():
        for period in periods:
            start, stop = _local(policy, period[0], end=False), _local(policy, period[1], end=True)
            if stop <= start:
                continue
            code = period[2] if len(period) > 2 else "leave"
            a = slot_number(policy, *slot_of_local(policy, start))
            b = slot_number(policy, *slot_of_local(policy, stop - timedelta(microseconds=1)))
            slots = out.setdefault(person, {})
            for s in range(max(a, lo), min(b, hi) + 1):
                slots.setdefault(s, code)
    return out
