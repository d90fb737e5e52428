"""The holiday calendar as the rules see it (the package plus the admin table), and its alert when a year is missing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from models.rosters.roster import HolidayDay
from rules.rosters.calendar import DayKind, ExtraDay, HolidayCalendar
from services.alerts import Alert

_CACHE: dict[tuple, HolidayCalendar] = {}


def load_calendar(*, session: Session) -> HolidayCalendar:
    """The calendar with every admin-entered year merged in (shared while the table is unchanged)."""
    rows = tuple(session.exec(select(HolidayDay.day, HolidayDay.kind, HolidayDay.name).order_by(HolidayDay.day)))
    key = tuple((d, str(k), n) for d, k, n in rows)
    cal = _CACHE.get(key)
    if cal is None:
        if len(_CACHE) > 8:  # the table changes rarely; keep the memo small
            _CACHE.clear()
        cal = _CACHE[key] = HolidayCalendar({d: ExtraDay(d, DayKind(str(k)), n) for d, k, n in key})
    return cal


def calendar_alerts(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Alert source: the statutory-holiday calendar for this year (and next, from Dec 1) must be known (every unit
    keeps a roster on it, so everyone sees it)."""
    local = now.astimezone(settings.tz).date()
    missing = load_calendar(session=session).missing_years(local)
    if not missing:
        return []
    years = "、".join(str(y) for y in missing)
    return [Alert("holiday_calendar_missing", "warning",
                  f"{years} 年节假日安排缺失：请导入国务院办公厅节假日通知",
                  f"holiday calendar missing for {years}: import the State Council notice",
                  count=len(missing), link="/rosters/holidays")]
