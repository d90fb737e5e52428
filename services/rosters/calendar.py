"""The holiday calendar as the rules see it: the package plus the admin table."""

from __future__ import annotations

from sqlmodel import Session, select

from rules.rosters.calendar import DayKind, ExtraDay, HolidayCalendar

_CACHE: dict[tuple, HolidayCalendar] = {}


def load_calendar(*, session: Session) -> HolidayCalendar:
    """The calendar with every admin-entered year merged in (shared while the table is unchanged)."""
    from models.rosters.roster import HolidayDay

    rows = tuple(session.exec(select(HolidayDay.day, HolidayDay.kind, HolidayDay.name).order_by(HolidayDay.day)))
    key = tuple((d, str(k), n) for d, k, n in rows)
    cal = _CACHE.get(key)
    if cal is None:
        if len(_CACHE) > 8:  # the table changes rarely; keep the memo small
            _CACHE.clear()
        cal = _CACHE[key] = HolidayCalendar({d: ExtraDay(d, DayKind(str(k)), n) for d, k, n in key})
    return cal
