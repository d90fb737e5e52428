"""Statutory holidays and make-up workdays (调休), pure.

Years 2004-2026 come from the `chinesecalendar` package; later years come from
the admin-maintained table (imported from the State Council notice), passed
in as `extra`. A year neither source covers is *unknown*: its weekdays count as
workdays, and `missing_year_alert` says so from December 1 of the year before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import chinese_calendar

BUILTIN_FIRST_YEAR = 2004
# The last year the installed package knows; read from its data, not assumed.
BUILTIN_LAST_YEAR = max(d.year for d in chinese_calendar.holidays)
# The seven festivals of every State Council notice, named as the package names them.
FESTIVAL_NAMES = ("New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day", "Dragon Boat Festival",
                  "Mid-autumn Festival", "National Day")
NEW_YEAR = FESTIVAL_NAMES[0]
FESTIVAL_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def festival(name: str) -> str | None:
    """The festival a table row names, as stored (English) or as a clerk types it (春节, 国庆, 中秋节); else None."""
    name = name.strip()
    if name in FESTIVAL_NAMES:
        return name
    core = name.removesuffix("节")
    for en, zh in FESTIVAL_ZH.items():
        if en in FESTIVAL_NAMES and core and zh.startswith(core):
            return en
    return None


class DayKind(StrEnum):
    workday = "workday"
    weekend = "weekend"
    holiday = "holiday"  # statutory holiday (法定节假日), incl. its bridging days
    makeup_workday = "makeup_workday"  # a weekend day worked (调休上班)


@dataclass(frozen=True)
class ExtraDay:
    """One row of the admin table: a holiday or a make-up workday."""

    day: date
    kind: DayKind  # holiday or makeup_workday
    name: str = ""


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    name: str = ""  # e.g. "Spring Festival", for holidays
    known: bool = True  # False when no source covers the year

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.workday, DayKind.makeup_workday)

    @property
    def is_holiday(self) -> bool:
        return self.kind is DayKind.holiday


class HolidayCalendar:
    """Answers 'what kind of day is this' from the package plus the admin table."""

    def __init__(self, extra: Mapping[date, ExtraDay] | None = None, *, use_builtin: bool = True) -> None:
        self.extra = dict(extra or {})
        self.use_builtin = use_builtin
        self._extra_years = {d.year for d in self.extra}
        # Memo of day(): rosters ask about the same dates for thousands of units.
        self._memo: dict[date, DayInfo] = {}

    def builtin(self, year: int) -> bool:
        return self.use_builtin and BUILTIN_FIRST_YEAR <= year <= BUILTIN_LAST_YEAR

    def covers(self, year: int) -> bool:
        """True when some source lists every festival of `year` (the package, or a complete notice in the table)."""
        return self.builtin(year) or (year in self._extra_years and not self.missing_festivals(year))

    def missing_festivals(self, year: int) -> list[str]:
        """The festivals of `year` (English names, as stored) the admin table lacks; none for a package year.
        元旦 days in the December before belong to the next year's notice."""
        if self.builtin(year):
            return []
        present = {name for row in self.extra.values() if row.kind is DayKind.holiday and (name := festival(row.name))
                   and (row.day.year + (row.day.month == 12 and name == NEW_YEAR)) == year}
        return [name for name in FESTIVAL_NAMES if name not in present]

    def day(self, d: date) -> DayInfo:
        """Classify one date."""
        info = self._memo.get(d)
        if info is None:
            info = self._memo[d] = self._classify(d)
        return info

    def _classify(self, d: date) -> DayInfo:
        weekend = d.weekday() >= 5
        if d in self.extra:
            row = self.extra[d]
            return DayInfo(d, row.kind, row.name)
        if d.year in self._extra_years or not (self.use_builtin and self.covers(d.year)):
            known = d.year in self._extra_years
            return DayInfo(d, DayKind.weekend if weekend else DayKind.workday, "", known)
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        if on_holiday and name:
            return DayInfo(d, DayKind.holiday, str(name))
        if weekend and not on_holiday:  # the package names a make-up workday after its festival
            return DayInfo(d, DayKind.makeup_workday, str(name or ""))
        return DayInfo(d, DayKind.weekend if weekend else DayKind.workday, "")

    def is_workday(self, d: date) -> bool:
        return self.day(d).is_workday

    def is_holiday(self, d: date) -> bool:
        return self.day(d).is_holiday

    def add_workdays(self, start: date, n: int) -> date:
        """The date `n` working days after `start` (start itself not counted)."""
        d, left = start, n
        while left > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        return d

    def holidays_between(self, first: date, last: date) -> list[DayInfo]:
        """Every statutory holiday day in [first, last]."""
        out, d = [], first
        while d <= last:
            info = self.day(d)
            if info.is_holiday:
                out.append(info)
            d += timedelta(days=1)
        return out

    def missing_years(self, today: date, *, alert_from: tuple[int, int] = (12, 1)) -> list[int]:
        """Years whose holidays are unknown but needed: this year, and next year from `alert_from`."""
        needed = [today.year] + ([today.year + 1] if (today.month, today.day) >= alert_from else [])
        return [y for y in needed if not self.covers(y)]

    def missing_year_alert(self, today: date, *, alert_from: tuple[int, int] = (12, 1)) -> str | None:
        """From `alert_from` (month, day), say so when next year's calendar is missing."""
        missing = self.missing_years(today, alert_from=alert_from)
        if not missing:
            return None
        years = ", ".join(str(y) for y in missing)
        return f"holiday calendar missing for {years}: import the State Council notice (国务院办公厅节假日安排)"
