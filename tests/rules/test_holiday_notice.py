"""The State Council's holiday notice, read as published: it reproduces the chinesecalendar package's data for the
years the package knows (2026 from the shared sample, 2025 and 2023 written in the same form), whatever the layout
of the pasted text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from rules.rosters.calendar import DayKind, ExtraDay, HolidayCalendar, festival
from rules.rosters.holiday_notice import parse_notice

HERE = Path(__file__).resolve().parent.parent / "rosters" / "notices"  # 2026.txt: the shared sample, as published


def _notice(year: int) -> str:
    return (HERE / f"{year}.txt").read_text(encoding="utf-8")


def _package(first: date, last: date) -> tuple[dict[date, str], set[date]]:
    """The package's holidays (with their names) and make-up workdays between two dates."""
    holidays = {d: chinese_calendar.get_holiday_detail(d)[1] for d in chinese_calendar.holidays if first <= d <= last}
    makeup = {d for d in chinese_calendar.workdays if first <= d <= last and d.weekday() >= 5}
    return holidays, makeup


@pytest.mark.parametrize("year", [2026, 2025, 2023])
def test_the_notice_reproduces_the_package(year):
    n = parse_notice(_notice(year))
    assert n.year == year and n.problems == [] and n.missing == []
    holidays = {d.day: d.name for d in n.days if d.kind == "holiday"}
    makeup = {d.day for d in n.days if d.kind == "makeup_workday"}
    expected_h, expected_w = _package(min(holidays | dict.fromkeys(makeup)), max(holidays | dict.fromkeys(makeup)))
    assert holidays == expected_h  # every day off, each named as the package names it (中秋 told by the lunar date)
    assert makeup == expected_w


def test_the_2026_notice_has_every_days_off():
    n = parse_notice(_notice(2026))
    assert len([d for d in n.days if d.kind == "holiday"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_pasted_on_one_line_or_with_windows_line_ends_it_reads_the_same():
    text = _notice(2026)
    one_line = text.replace("\n", "")
    crlf = text.replace("\n", "\r\n")
    assert parse_notice(one_line).days == parse_notice(text).days == parse_notice(crlf).days


def test_a_notice_without_a_festival_names_it_and_a_bad_date_is_a_problem():
    text = _notice(2026).replace("五、端午节：6月19日（周五）至21日（周日）放假，共3天。", "")
    n = parse_notice(text)
    assert n.missing == ["端午节"] and any("端午节" in p for p in n.problems)
    bad = parse_notice(_notice(2026).replace("4月4日", "4月31日"))
    assert any("4月31日 不存在" in p for p in bad.problems)
    assert parse_notice("随便一段文字").problems  # nothing to read: said so, not an empty success


def test_a_calendar_counts_a_year_covered_only_with_all_seven_festivals():
    n = parse_notice((HERE / "2027-test.txt").read_text(encoding="utf-8"))
    full = {d.day: ExtraDay(d.day, DayKind(d.kind), d.name) for d in n.days}
    assert HolidayCalendar(full).covers(2027) and HolidayCalendar(full).missing_festivals(2027) == []
    spring_only = {k: v for k, v in full.items() if v.name == "Spring Festival"}
    cal = HolidayCalendar(spring_only)
    assert not cal.covers(2027)  # importing 春节 alone leaves 元旦 2027 a workday: still missing
    assert cal.missing_festivals(2027) == ["New Year's Day", "Tomb-sweeping Day", "Labour Day", "Dragon Boat Festival",
                                           "Mid-autumn Festival", "National Day"]
    assert cal.missing_years(date(2026, 12, 1)) == [2027]


def test_a_table_row_names_its_festival_as_a_clerk_types_it():
    assert festival("春节") == festival("Spring Festival") == "Spring Festival"
    assert festival(" 国庆 ") == "National Day" and festival("中秋") == "Mid-autumn Festival"
    assert festival("节") is None and festival("") is None and festival("调休") is None


def test_the_shared_sample_and_every_stored_notice_read_without_a_contradiction():
    sample = (Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "holiday-notice-2026.txt")
    texts = [sample.read_text(encoding="utf-8")] if sample.exists() else []
    for text in [*texts, *(p.read_text(encoding="utf-8") for p in sorted(HERE.glob("*.txt")))]:
        n = parse_notice(text)
        assert not [p for p in n.problems if "通知写的是" in p], n.problems


@pytest.mark.parametrize("written, wrong, problem", [
    ("1月1日（周五）至3日（周日）", "1月1日（周四）至3日（周六）", "元旦：1月1日是2027年的周五，通知写的是“周四”"),
    ("共9天。", "共8天。", "春节：2月5日至2月13日是9天，通知写的是“共8天”"),
    ("5月8日（周六）上班", "5月9日（周六）上班", "劳动节：5月9日是2027年的周日，通知写的是“周六”"),
    ("至13日（农历正月初八、周六）", "至13日（农历正月初八、周日）", "春节：2月13日是2027年的周六，通知写的是“周日”"),
])
def test_a_notice_that_contradicts_itself_is_refused_naming_the_festival(written, wrong, problem):
    """A weekday that is not the date's, a day count that is not the range's: nothing is guessed, the clerk is
    told which festival's sentence to check (the import refuses while a problem stands)."""
    text = (HERE / "2027-test.txt").read_text(encoding="utf-8")
    assert text.count(written) == 1 and not parse_notice(text).problems
    n = parse_notice(text.replace(written, wrong))
    assert problem in n.problems, n.problems
