"""Benchmark: plan a quarter of phone spot checks for 3,000 units (goal ≤ 2 s)."""

from __future__ import annotations

import statistics
import time
from datetime import date
from zoneinfo import ZoneInfo

from rules.rosters.calendar import HolidayCalendar
from rules.spotchecks.outcomes import SpotUnit, plan_checks

GOAL_SECONDS = 2.0


def run(units: int = 3000, repeats: int = 5, min_per_quarter: int = 2, quick: bool = False) -> dict:
    """Time plan_checks for Q3 2026 (flood season, Mid-autumn) and return the figures (quick: 2 repeats)."""
    if quick:
        repeats = min(repeats, 2)
    spot_units = [SpotUnit(f"u{i:05d}", f"单位{i}") for i in range(units)]
    failures = {u.id: 1 for u in spot_units[::10]}  # a tenth failed recently
    tz = ZoneInfo("Asia/Shanghai")
    times, checks, cpu = [], 0, time.process_time()
    for seed in range(repeats):
        calendar = HolidayCalendar()  # fresh: no warm cache carried between runs
        started = time.perf_counter()
        plan = plan_checks(spot_units, date(2026, 7, 1), date(2026, 9, 30), tz, seed,
                           min_per_quarter=min_per_quarter, recent_failures=failures, calendar=calendar)
        times.append(time.perf_counter() - started)
        checks = len(plan)
    cpu = time.process_time() - cpu
    out = {
        "units": units,
        "checks": checks,
        "repeats": repeats,
        "median_s": round(statistics.median(times), 4),
        "max_s": round(max(times), 4),
        "cpu_s_total": round(cpu, 3),
        "goal_s": GOAL_SECONDS,
        "meets_goal": max(times) <= GOAL_SECONDS,
    }
    print(out)
    return out


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
