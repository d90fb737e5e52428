"""The holiday calendar as the rules see it (the package plus the admin table), and its alert when a year is missing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from models.rosters.roster import HolidayDay
from rules.rosters.calendar import DayKind, ExtraDay, HolidayCalendar
from rules.rosters.explain import FESTIVAL_ZH
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
    """Alert source: the statutory-holiday calendar for this year (and next, from Dec 1) must be known, every festival
    of it (every unit keeps a roster on it, so everyone sees it)."""
    local = now.astimezone(settings.tz).date()
    calendar = load_calendar(session=session)
    out = []
    for year in calendar.missing_years(local):
        lacking = [FESTIVAL_ZH.get(n, n) for n in calendar.missing_festivals(year)]
        partial = len(lacking) < 7
        zh = (f"{year} 年节假日安排不完整，缺少：{'、'.join(lacking)}：请导入国务院办公厅通知全文" if partial else
              f"{year} 年节假日安排缺失：请导入国务院办公厅节假日通知")
        en = (f"holiday calendar {year} incomplete, missing: {', '.join(calendar.missing_festivals(year))}"
              if partial else f"holiday calendar missing for {year}: import the State Council notice")
        out.append(Alert("holiday_calendar_missing", "warning", zh, en, link="/rosters/holidays#notice",
                         details={"year": year, "missing": lacking}))
    return out


def uncovered_years(*, session: Session, months: list[str]) -> list[int]:
    """The years of `months` ("YYYY-MM") whose statutory holidays the calendar does not fully know: a roster
    generated for them treats a missing festival as an ordinary day, so generate says so."""
    calendar = load_calendar(session=session)
    return sorted({int(m[:4]) for m in months} - {y for y in {int(m[:4]) for m in months} if calendar.covers(y)})


def missing_festivals(*, session: Session, months: list[str]) -> dict[int, list[str]]:
    """year -> the festivals (zh) the calendar lacks, for the years of `months` it does not fully know (a year counts
    as covered only with all seven festivals: rules.rosters.calendar.HolidayCalendar.covers)."""
    calendar = load_calendar(session=session)
    return {y: [FESTIVAL_ZH.get(n, n) for n in calendar.missing_festivals(y)]
            for y in uncovered_years(session=session, months=months)}


def calendar_warning(year: int, missing: list[str], lang: str = "zh-CN") -> str:
    """What generate says when it plans days of a year the calendar does not fully know (zh-CN for the API; the CLI
    in the deployment's language). `missing` are the zh names missing_festivals gives."""
    if lang == "en":
        english = {zh: en for en, zh in FESTIVAL_ZH.items()}
        return (f"holiday calendar {year} incomplete, missing: {', '.join(english.get(m, m) for m in missing)}: "
                f"these festivals are planned as ordinary days; import the State Council notice and generate again")
    return (f"{year} 年节假日安排不完整，缺少：{'、'.join(missing)}：这些节日按普通日排班；"
            f"请导入国务院办公厅通知后重新生成")


def import_warning(year: int, missing: list[str]) -> str:
    """What an import preview (CLI --dry-run) says of a year of the file the calendar lacks (zh-CN)."""
    if len(missing) >= 7:
        return f"{year}年节假日安排尚未导入：文件中的节日将按普通日对待，节假日值班人数无法检查"
    return f"{year} 年节假日安排不完整，缺少：{'、'.join(missing)}。这些节日将按普通日对待"
