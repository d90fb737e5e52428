"""The holiday calendar as the rules see it: the package plus the admin table."""

from __future__ import annotations

from sqlmodel import Session

from rules.calendar import HolidayCalendar


def load_calendar(*, session: Session) -> HolidayCalendar:
    """The calendar with every admin-entered year merged in."""
    # The admin table of later years arrives with the roster feature; until then the package alone.
    return HolidayCalendar()
