"""Holiday rosters due before each statutory holiday; overdue 销假. Both are alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from core.settings import Settings
from models.directory import Unit
from models.rosters.roster import RosterStatus
from rules.rosters.calendar import HolidayCalendar
from rules.rosters.days import occurrence_start
from rules.rosters.explain import FESTIVAL_ZH
from services.alerts import Alert
from services.rosters.absences import overdue
from services.rosters.calendar import load_calendar
from services.rosters.gaps import active_units, month_status
from services.rosters.generate import month_key

# Due days (DOMAIN.md: 5) and look-ahead: DUTYDESK_ROSTERS__HOLIDAY_ROSTER_DUE_DAYS / __HOLIDAY_LOOKAHEAD_DAYS.


@dataclass
class HolidayDeadline:
    """One upcoming statutory holiday and the units whose roster for it is not published."""

    name: str
    first_day: date
    last_day: date
    due: date
    late_units: list[str] = field(default_factory=list)  # unit names
    pending_units: list[str] = field(default_factory=list)  # not yet due, not published

    @property
    def label(self) -> str:
        return FESTIVAL_ZH.get(self.name, self.name)


def upcoming_holidays(calendar: HolidayCalendar, today: date, days: int) -> list[tuple[str, date, date]]:
    """(name, first day, last day) of each holiday run overlapping [today, today + days]."""
    out: list[tuple[str, date, date]] = []
    for info in calendar.holidays_between(today, today + timedelta(days=days)):
        start = occurrence_start(calendar, info.day)
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], start, info.day)
        else:
            out.append((info.name, start, info.day))
    return out


def holiday_deadlines(*, session: Session, today: date, settings: Settings) -> list[HolidayDeadline]:
    """Every holiday within rosters.holiday_lookahead_days, with its due date (rosters.holiday_roster_due_days
    before it) and which units are late or pending."""
    calendar = load_calendar(session=session)
    runs = upcoming_holidays(calendar, today, settings.rosters.holiday_lookahead_days)
    if not runs:
        return []
    months = sorted({month_key(d) for _, a, b in runs for d in (a, b)})
    status = month_status(session, months)
    units = active_units(session)
    out = []
    for name, first, last in runs:
        dl = HolidayDeadline(name, first, last, first - timedelta(days=settings.rosters.holiday_roster_due_days))
        needed = sorted({month_key(first), month_key(last)})
        for u in units:
            ok = all((r := status.get((u.id, m))) is not None and r.status is RosterStatus.published for m in needed)
            if not ok:
                (dl.late_units if today >= dl.due else dl.pending_units).append(u.name)
        out.append(dl)
    return out


def holiday_rosters_late(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Units whose holiday roster is not published 5 days before the holiday (within `scope`: that unit only)."""
    today = now.astimezone(settings.tz).date()
    unit = session.get(Unit, scope) if scope is not None else None
    own = unit.name if unit is not None else None
    out = []
    for dl in holiday_deadlines(session=session, today=today, settings=settings):
        if scope is not None:
            dl.late_units = [u for u in dl.late_units if u == own]
        if dl.late_units and today <= dl.last_day:
            n = len(dl.late_units)
            who = "、".join(dl.late_units[:5]) + ("等" if n > 5 else "")
            out.append(Alert("holiday_roster_late", "warning",
                             f"{dl.label}值班表逾期未发布（应于 {dl.due.isoformat()} 前）：{who}，共 {n} 个单位",
                             f"{dl.name} roster overdue (due {dl.due}): {n} units", count=n,
                             link="/rosters/holidays", details={"units": dl.late_units}))
    return out


def leave_overdue(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Leaves past their end with no 销假 (within `scope`: that unit's)."""
    rows = [r for r in overdue(session=session, now=now, tz=settings.timezone) if scope is None or r.unit_id == scope]
    if not rows:
        return []
    return [Alert("leave_return_overdue", "warning", f"请假到期未销假：{len(rows)} 人",
                  f"leave ended without return report: {len(rows)}", count=len(rows), link="/leaves")]
