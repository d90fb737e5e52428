"""A week grid's week label: '第1周', '第1周\\n12月1日-12月6日', '12月1日—12月6日', '第1周（12.1-12.6）'.

The label column of a week grid laid out one row per week names the week and, often, its first and last day;
the weekday columns then give each cell its date. Pure (stdlib only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rules.rosters.sheet_cells import norm

_NUMBER = r"[0-9一二三四五六七八九十]{1,3}"
_WEEK = re.compile(rf"第\s*{_NUMBER}\s*周")
_DAY = r"(?:(\d{4})\s*[年./-]\s*)?(?:(\d{1,2})\s*[月./-]\s*)?(\d{1,2})\s*[日号]?"
_SPAN = re.compile(rf"(?<![\d.])(\d{{4}}\s*[年./-]\s*)?(\d{{1,2}})\s*[月./-]\s*(\d{{1,2}})\s*[日号]?\s*(?:\((?:星期|周)."
                   rf"\))?\s*[-~—–至到]+\s*{_DAY}")


@dataclass(frozen=True)
class WeekLabel:
    """What a week label says: the week's first and last day when it gives them."""

    text: str
    first: date | None = None
    last: date | None = None
    problem: str = ""  # zh-CN: why the range it gives is not one week


def week_label(value, ym: tuple[int, int]) -> WeekLabel | None:
    """The week a label cell names, read in the roster's month; None when the cell is no week label."""
    t = norm(value)
    if not t or len(t) > 40:
        return None
    m = _SPAN.search(t)
    if m is None:
        rest = _WEEK.sub("", t, count=1)
        return WeekLabel(t) if rest != t and not rest.strip(" ()") else None
    year, month = ym
    first = _date(m[1], m[2], m[3], year, month)
    last_month = int(m[5]) if m[5] else (first.month if first else month)
    last = _date(m[4], last_month, m[6], year, month)
    if first is None or last is None:
        return WeekLabel(t, problem=f"“{m[0]}”不是有效的日期范围")
    if not first <= last <= first + timedelta(days=6):
        return WeekLabel(t, problem=f"“{m[0]}”不是同一周的日期范围")
    return WeekLabel(t, first, last)


def _date(y, mo, d, year: int, month: int) -> date | None:
    mo = int(mo)
    y = int(str(y).strip(" 年./-")) if y else year + (1 if month - mo > 6 else -1 if mo - month > 6 else 0)
    try:
        return date(y, mo, int(d))
    except ValueError:
        return None


def week_days(label: WeekLabel, weekdays: dict[int, int]) -> dict[int, tuple[date, bool]]:
    """{column: (date, inside the range)} for a week whose first and last day are known; weekdays {column: 0-6}
    in the header's order, so a week written 星期日 … 星期六 anchors on its first column."""
    start = weekdays[min(weekdays)]
    anchor = label.first - timedelta(days=(label.first.weekday() - start) % 7)
    out = {}
    for c, wd in weekdays.items():
        d = anchor + timedelta(days=(wd - start) % 7)
        out[c] = (d, label.first <= d <= label.last)
    return out
