"""The State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知), read as offices receive it.

Each festival is one numbered item: "二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，
共9天。2月14日（周六）、2月28日（周六）上班。" — days off as a range (which may cross a month or a year, and may
name the year), or a single day ("1月1日放假1天，不调休", "6月10日与周末连休"); make-up workdays in a sentence
ending 上班; weekdays and lunar dates in parentheses; two festivals may share an item ("中秋节、国庆节："), the day of
each then told by the lunar calendar. A weekday written beside a date that is not the date's, or a 共N天 that
is not the range's length, is a problem naming the festival. Pure: text in, days and problems out; nothing is
guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from lunar_python import Solar

from rules.rosters.calendar import FESTIVAL_NAMES

# The seven festivals of every notice, with the names the holiday calendar stores (chinesecalendar's).
FESTIVALS = dict(zip(("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"), FESTIVAL_NAMES, strict=True))
ZH = {v: k for k, v in FESTIVALS.items()}
LUNAR_DAY = {"Spring Festival": (1, 1), "Dragon Boat Festival": (5, 5), "Mid-autumn Festival": (8, 15)}
NUMERALS = "一二三四五六七八九十"
_ITEM = re.compile(rf"(?:^|\n|。)\s*[{NUMERALS}]+\s*[、.．]\s*([^：:\n。]{{1,20}})[：:](.*?)"
                   rf"(?=(?:\n|。)\s*[{NUMERALS}]+\s*[、.．]|$)", re.S)
_PAREN = re.compile(r"（[^）]*）|\([^)]*\)")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_RANGE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:至|到|—|－|-|~|～)\s*"
                    r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
_YEAR = re.compile(r"关于\s*(\d{4})\s*年")
# A date as written with its parentheses: '2月15日（农历腊月二十八、周日）', '至23日（农历正月初七、周一）'.
_SAID = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日\s*(?:[（(]([^）)]*)[）)])?")
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
WEEKDAY_ZH = "一二三四五六日"
NO_YEAR = "未找到年份：请在标题中保留“关于20XX年部分节假日安排”或选择年份"


@dataclass(frozen=True)
class NoticeDay:
    day: date
    kind: str  # "holiday" (放假) or "makeup_workday" (上班)
    name: str  # the festival, as the calendar names it


@dataclass
class Notice:
    year: int | None
    days: list[NoticeDay] = field(default_factory=list)
    festivals: list[str] = field(default_factory=list)  # zh names found, in order
    problems: list[str] = field(default_factory=list)  # zh-CN, for the preview

    @property
    def missing(self) -> list[str]:
        """Festivals of the seven the notice does not mention (zh)."""
        return [zh for zh in FESTIVALS if zh not in self.festivals]


def _date(year: int, month: str, day: str, explicit: str | None, problems: list[str], where: str) -> date | None:
    try:
        return date(int(explicit or year), int(month), int(day))
    except ValueError:
        problems.append(f"{where}：日期 {month}月{day}日 不存在")
        return None


def _names_of(heading: str) -> list[str]:
    return [n for n in (x.strip() for x in re.split(r"[、和与及,，]", heading)) if n]


def _name_for(day: date, names: list[str]) -> str:
    """Which of an item's festivals a day belongs to: the one whose lunar date it is, else the item's main one."""
    if len(names) > 1:
        lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
        for n in names:
            if LUNAR_DAY.get(n) == (lunar.getMonth(), lunar.getDay()):
                return n
        return next((n for n in names if n not in LUNAR_DAY), names[-1])
    return names[0]


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Every festival's days off and make-up workdays in the notice's text (pasted or uploaded as it is published)."""
    found = _YEAR.search(text)
    out = Notice(year or (int(found.group(1)) if found else None))
    if out.year is None:
        out.problems.append(NO_YEAR)
        return out
    for heading, body in _ITEM.findall(text.replace("\r", "")):
        zh_names = [n for n in _names_of(heading) if n in FESTIVALS]
        if not zh_names:
            continue
        out.festivals += [n for n in zh_names if n not in out.festivals]
        names = [FESTIVALS[n] for n in zh_names]
        _item(out, heading.strip(), body, names)
    if not out.festivals:
        out.problems.append("没有找到节日条目（“一、元旦：……”）：请粘贴通知全文")
    elif out.missing:
        out.problems.append(missing_problem(out.missing))
    return out


def missing_problem(missing: list[str]) -> str:
    """The problem a notice lacking festivals has (zh-CN): 通知缺少：端午节."""
    return "通知缺少：" + "、".join(missing)


def _check_weekdays(out: Notice, heading: str, body: str) -> None:
    """Each weekday the notice writes beside a date ('1月1日（周四）') must be that date's: a notice that
    contradicts itself is refused, naming the festival, rather than read one way or the other."""
    year, month, last = out.year, None, None
    for sentence in body.split("。"):
        for y, m, d, said in _SAID.findall(sentence):
            if y:
                year = int(y)
            if m:
                month = int(m)
                if not y and last is not None and (last.month, month) == (12, 1):
                    year = last.year + 1  # 12月31日（周四）至1月2日（周六）: the range runs into the next year
            if month is None:
                continue
            try:
                day = date(year, month, int(d))
            except ValueError:
                continue  # named by the reading of the dates
            last = day
            written = _WEEKDAY.search(said or "")
            if written is None:
                continue
            wd = 6 if written[1] in "日天" else WEEKDAY_ZH.index(written[1])
            if wd != day.weekday():
                out.problems.append(f"{heading}：{day.month}月{day.day}日是{day.year}年的周{WEEKDAY_ZH[day.weekday()]}，"
                                    f"通知写的是“{written[0]}”")


def _item(out: Notice, heading: str, body: str, names: list[str]) -> None:
    year = out.year
    _check_weekdays(out, heading, body)
    holidays: list[date] = []
    for sentence in _PAREN.sub("", body).split("。"):
        if "上班" in sentence:
            for y, m, d in _DATE.findall(sentence):
                day = _date(year, m, d, y, out.problems, heading)
                if day is not None:  # named after its festival (春节调休上班), as the package names them
                    out.days.append(NoticeDay(day, "makeup_workday", _name_for(day, names)))
            continue
        if "放假" not in sentence and "连休" not in sentence:
            continue
        span = _RANGE.search(sentence)
        if span:
            y1, m1, d1, y2, m2, d2 = span.groups()
            start = _date(year, m1, d1, y1, out.problems, heading)
            # "12月31日至1月2日" without years: the range runs into the next year
            end_year = y2 or (str(start.year + 1) if start and m2 and int(m2) < start.month else None) or (
                str(start.year) if start else None)
            end = _date(year, m2 or m1, d2, end_year, out.problems, heading) if start else None
            if start and end:
                if end < start or (end - start).days > 15:
                    out.problems.append(f"{heading}：{start}至{end} 不像一次放假")
                    continue
                holidays += [start + timedelta(days=i) for i in range((end - start).days + 1)]
                count = re.search(r"共\s*(\d+)\s*天", sentence)
                if count and int(count[1]) != (end - start).days + 1:
                    out.problems.append(f"{heading}：{start.month}月{start.day}日至{end.month}月{end.day}日是"
                                        f"{(end - start).days + 1}天，通知写的是“共{count[1]}天”")
        else:
            first = _DATE.search(sentence)
            if first:
                start = _date(year, first.group(2), first.group(3), first.group(1), out.problems, heading)
                count = re.search(r"共\s*(\d+)\s*天|放假\s*(\d+)\s*天", sentence)
                n = int(next(g for g in count.groups() if g)) if count else 1
                if start:
                    holidays += [start + timedelta(days=i) for i in range(n)]
    if not holidays:
        out.problems.append(f"{heading}：没有读出放假日期")
    out.days += [NoticeDay(d, "holiday", _name_for(d, names)) for d in holidays]
