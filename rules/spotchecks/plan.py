"""Spot-check planning (抽查计划): weighted, stratified, reproducible and explained; pure."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import accumulate

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.seasons import FLOOD_SEASON, Window


@dataclass(frozen=True)
class SpotUnit:
    id: str
    name: str


@dataclass(frozen=True)
class PlanWeights:
    """Relative weight of an hour; factors multiply (a holiday night in flood season counts thrice)."""

    base: float = 1.0
    night: float = 3.0
    weekend: float = 2.0
    holiday: float = 3.0
    flood_season: float = 1.5
    night_hours: tuple[int, int] = (22, 7)  # [start, end) local, wrapping midnight
    flood_season_span: Window = FLOOD_SEASON  # inclusive, may wrap over new year
    extra_per_recent_failure: int = 1  # more checks for units that failed recently
    max_extra: int = 2


# chinese_calendar names holidays in English; admin-table rows may already be zh-CN
HOLIDAY_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class Reason:
    """A structured 'why'; `text` renders it in zh-CN."""

    code: str  # quota | recent_failure | night | weekend | holiday | flood_season
    detail: str = ""

    @property
    def text(self) -> str:
        return {
            "quota": f"每季度至少抽查（{self.detail}）",
            "recent_failure": f"近期抽查不合格{self.detail}次，加密抽查",
            "night": f"夜间时段（{self.detail}时）",
            "weekend": "周末",
            "holiday": f"节假日（{HOLIDAY_ZH.get(self.detail, self.detail)}）" if self.detail else "节假日",
            "flood_season": "汛期",
        }[self.code]


@dataclass(frozen=True)
class PlannedCheck:
    unit_id: str
    unit_name: str
    at: datetime  # local, aware
    reasons: tuple[Reason, ...]

    @property
    def why(self) -> str:
        """'Why this unit now', in zh-CN."""
        return "；".join(r.text for r in self.reasons)


def _hour_slots(start: date, end: date, tz: tzinfo, w: PlanWeights, calendar: HolidayCalendar):
    """Every local hour in [start, end] with its weight and the reasons it carries."""
    slots, weights, n0, n1 = [], [], *w.night_hours
    day = start
    while day <= end:
        info = calendar.day(day)
        day_reasons = []
        factor = w.base
        if info.is_holiday:
            factor *= w.holiday
            day_reasons.append(Reason("holiday", info.name))
        elif day.weekday() >= 5 and not info.is_workday:
            factor *= w.weekend
            day_reasons.append(Reason("weekend"))
        if w.flood_season_span.contains(day):
            factor *= w.flood_season
            day_reasons.append(Reason("flood_season"))
        for hour in range(24):
            night = (hour >= n0 or hour < n1) if n0 > n1 else n0 <= hour < n1
            reasons = tuple(day_reasons) + ((Reason("night", str(hour)),) if night else ())
            slots.append((datetime(day.year, day.month, day.day, hour, tzinfo=tz), reasons))
            weights.append(factor * (w.night if night else 1.0))
        day += timedelta(days=1)
    return slots, weights


def plan_checks(
    units: Sequence[SpotUnit],
    period_start: date,
    period_end: date,
    tz: tzinfo,
    seed: int | str,
    weights: PlanWeights | None = None,
    min_per_quarter: int = 1,
    recent_failures: Mapping[str, int] | None = None,
    calendar: HolidayCalendar | None = None,
) -> list[PlannedCheck]:
    """A reproducible plan: ≥ min_per_quarter checks per unit, more after failures, spread over the period."""
    w = weights or PlanWeights()
    cal = calendar or HolidayCalendar()
    failures = recent_failures or {}
    if period_end < period_start:
        raise ValueError("period_end before period_start")
    slots, slot_weights = _hour_slots(period_start, period_end, tz, w, cal)
    cum = list(accumulate(slot_weights))
    rng = random.Random(f"{seed}")  # str seeds hash the same way in every process
    plan: list[PlannedCheck] = []
    for unit in sorted(units, key=lambda u: u.id):  # input order must not change the plan
        failed = failures.get(unit.id, 0)
        extra = min(w.max_extra, failed * w.extra_per_recent_failure)
        k = min_per_quarter + extra
        for i in range(k):
            # stratify in time: the i-th check falls in the i-th equal part of the period
            lo_slot, hi_slot = len(slots) * i // k, len(slots) * (i + 1) // k
            lo = cum[lo_slot - 1] if lo_slot else 0.0
            pick = min(bisect_right(cum, lo + rng.random() * (cum[hi_slot - 1] - lo)), hi_slot - 1)
            at, slot_reasons = slots[pick]
            at = at.replace(minute=rng.randrange(60))
            lead = (Reason("recent_failure", str(failed)) if i >= min_per_quarter
                    else Reason("quota", f"第{i + 1}/{min_per_quarter}次"))
            plan.append(PlannedCheck(unit.id, unit.name, at, (lead, *slot_reasons)))
    plan.sort(key=lambda c: (c.at, c.unit_id))
    return plan
