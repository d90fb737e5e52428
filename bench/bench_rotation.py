"""Benchmark: roster generation for a province, in memory (no database).

3,000 units x 2 posts x 365 days, generated unit by unit and streamed (each
plan is consumed and dropped), so peak memory must not grow with the number
of units: compared with tracemalloc for 100 vs 1,000 units.
Run: python -m bench.bench_rotation
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from datetime import date

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.explain import RosterPlan
from rules.rosters.policy import RosterPolicy
from rules.rosters.rotation import generate

FIRST, LAST = date(2025, 1, 1), date(2025, 12, 31)
LEADERS, OFFICERS = 6, 10


def unit_plans(units: int, calendar: HolidayCalendar) -> Iterator[RosterPlan]:
    """Yield one year's plan per unit; nothing is kept between units."""
    for u in range(units):
        policy = RosterPolicy(tz="Asia/Shanghai", unit=f"unit-{u}")
        pools = {
            "leader": [f"u{u}-L{i}" for i in range(LEADERS)],
            "officer": [f"u{u}-O{i}" for i in range(OFFICERS)],
        }
        leave = {f"u{u}-O{u % OFFICERS}": [(date(2025, 3, 3), date(2025, 3, 14))]}
        yield generate(policy, pools, calendar, FIRST, LAST, None, leave)


def _consume(units: int, calendar: HolidayCalendar) -> tuple[int, int]:
    slots = gaps = 0
    for plan in unit_plans(units, calendar):
        slots += len(plan.assignments)
        gaps += len(plan.gaps)
    return slots, gaps


def _peak_kib(units: int, calendar: HolidayCalendar) -> float:
    tracemalloc.start()
    try:
        _consume(units, calendar)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def run(units: int = 3000) -> dict:
    """Generate `units` unit-years; return timing and memory figures."""
    calendar = HolidayCalendar()
    _consume(2, calendar)  # warm the calendar memo and day table, as a long-running worker would
    t0 = time.perf_counter()
    slots, gaps = _consume(units, calendar)
    total = time.perf_counter() - t0
    return {
        "units": units,
        "person_slots": slots,
        "gaps": gaps,
        "seconds_total": round(total, 3),
        "ms_per_unit_year": round(total / units * 1000, 3),
        "peak_kib_100_units": round(_peak_kib(100, calendar), 1),
        "peak_kib_1000_units": round(_peak_kib(1000, calendar), 1),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>22}: {value}")
