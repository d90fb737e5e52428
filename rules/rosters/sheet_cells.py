"""What one cell of an office's 值班表 says: a date in any of the forms offices type, names with phones.

Pure: values in (str, int, float, date, datetime, None), values out; no I/O. The words a header may use
are here too, so the layout parser (`sheet_layout.py`) and its tests share one vocabulary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


class Said(str):
    """A zh-CN reason that also carries what it is (`code`) and its values (`params`), so the console can word it
    in another language; everywhere else it is the zh-CN text it always was."""

    code: str
    params: tuple

    def __new__(cls, zh: str, code: str, /, **params) -> "Said":
        reason = super().__new__(cls, zh)
        reason.code, reason.params = code, tuple(params.items())
        return reason

WEEKDAY_ZH = "一二三四五六日"
# Header words per role, tried longest first; a post's own label (e.g. 驾驶员) is added by the caller.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "leader": ("带班领导", "值班领导", "带班负责人", "值班负责人", "带班人员", "带班同志", "带班人", "县领导", "镇领导", "带班", "领导"),
    "officer": ("值班人员", "值班干部", "值班同志", "值守人员", "值守干部", "值守同志", "值班员", "值班人", "值守人", "值班"),
    "date": ("值班日期", "日期", "时间", "日"),
    "weekday": ("星期", "周次", "礼拜"),
    "note": ("备注", "说明", "情况"),
    "phone": ("联系电话", "联系方式", "手机号码", "手机", "电话", "号码"),
}
FOOTER = re.compile(r"^(注|说明|值班电话|联系电话|备注|制表|审核|签发|审批|负责人|单位|电话|传真|地址|如有|值班要求)")
PHONE = re.compile(r"(?:1[3-9]\d{9}|(?:0\d{2,3}-?\d{7,8}|[2-9]\d{6,7})(?:-\d{1,4})?)")
# Digits that were meant as a phone but are not one (1390000000: a mobile with a digit missing).
PHONE_LIKE = re.compile(r"(?<![\d-])(?:\d[\d-]{5,}\d)(?![\d-])")
# A person's name: two or more Chinese characters or Latin letters ('张三', '欧阳晓燕', 'Li'); 领导1: a numbered
# placeholder. A single letter or character ('A', 'x', '张') is no name (ONE_LETTER: said so).
NAME = re.compile(r"^[\u3400-\u9fff·•A-Za-z]{2,12}\d{0,2}$")
ONE_LETTER = re.compile(r"^[\u3400-\u9fff·•A-Za-z]\d{0,2}$")
_SEP = re.compile(r"[、,;/|\\\s]+")
_CJK1 = re.compile(r"^[\u3400-\u9fff]$")
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12, "正": 1, "冬": 11, "腊": 12}
EXCEL_EPOCH = date(1899, 12, 30)
_ZH_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")  # 二〇二六年 in a formal title
# A title written after a name without brackets ('张建国 副县长'): dropped, not read as a second person.
TITLE = re.compile(r"^(副|常务|党委|党组|代理)?\S{0,5}(书记|常委|县长|镇长|乡长|区长|局长|主任|部长|科长|所长|站长|委员|秘书长|"
                   r"调研员|主席|队长|干事|科员|组长|处长|院长|经理)$")


def norm(value) -> str:
    """Cell text as compared: NFKC (full-width digits, brackets, colons to ASCII), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def as_typed(value) -> str:
    """Cell text as the clerk typed it, only trimmed: 备注 keeps its full-width ，and （） (no NFKC)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def norm_mapped(value) -> tuple[str, list[int], str]:
    """(NFKC text, for each of its characters and one past the end the index in the typed text, the typed text):
    so that what is found in the compared text can be taken from what the clerk typed. Unstripped."""
    typed = "" if value is None else str(int(value) if isinstance(value, float) and value.is_integer() else value)
    out: list[str] = []
    at: list[int] = []
    for i, ch in enumerate(typed):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        at += [i] * len(n)
    return "".join(out), [*at, len(typed)], typed


def squeeze(value) -> str:
    """Header text without spaces, line breaks and bracketed hints: '值 班 员\n(手机)' -> '值班员'."""
    return re.sub(r"\s+|\([^)]*\)", "", norm(value))


@dataclass(frozen=True)
class Named:
    """A person as the cell names them, with the phone written beside the name (or "")."""

    name: str
    phone: str = ""
    where: tuple[int, str] | None = field(default=None, compare=False)  # (row, column) the name was read from


# -- dates -----------------------------------------------------------------------------------------------

_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MD = re.compile(r"^(\d{1,2})\s*[月/\-]\s*(\d{1,2})\s*[日号]?")
_MD_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})(?!\d)")
_D = re.compile(r"^(\d{1,2})\s*[日号]?$")
_REST = re.compile(r"^[\s()]*(星期|周|礼拜)?[一二三四五六日天]?[\s()]*$")
# A 24-hour slot written as a range ('12月1日8:30至12月2日8:30', '12.1-12.2'): the first day is the slot's.
_RANGE = re.compile(r"^\s*(\d{1,2}[:]\d{2})?\s*[-~—至到]")


# A week grid's cell that gives its day before the people: '1.4 林秀英', '12月1日\n林秀英（139…）'.
_LEAD_DATE = re.compile(r"^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?"
                        r"|\d{1,2}[./]\d{1,2}(?![\d./])|\d{1,2}\s*[日号])")
# '（周二）' or '星期二' after the date; a bare 周 is not taken ('周一鸣' is a name).
_LEAD_WEEKDAY = re.compile(r"^\s*(?:\((?:星期|周|礼拜)[一二三四五六日天]\)|(?:星期|礼拜)[一二三四五六日天])")


def dated_cell(value) -> tuple[str, str] | None:
    """(the date as written, the rest as typed) of a week-grid cell that starts with its day
    ('1.4 林秀英', '12月1日\n林秀英（139…）'); None for any other cell (a name, a bare date, an Excel date)."""
    if not isinstance(value, str):
        return None
    full, at, typed = norm_mapped(value)
    t = full.lstrip()
    m = _LEAD_DATE.match(t)
    if not m:
        return None
    rest = t[m.end():]
    if rest[:1].isdigit() or rest[:1] in ":-~—至到":  # 12月1日8:30…, a slot range: not a week cell
        return None
    wd = _LEAD_WEEKDAY.match(rest)
    rest = typed[at[len(full) - len(t) + m.end() + (wd.end() if wd else 0)]:].strip()  # as typed: a 备注 in it keeps its （），
    return (m[1].strip(), rest) if rest else None


def month_in(text: str) -> tuple[int | None, int | None]:
    """(year, month) a title or sheet name gives: '2026年12月', '2026-12', '12月', '十二月' (either may be None)."""
    t = re.sub(r"[〇零○一二三四五六七八九]{4}(?=\s*年)", lambda m: m[0].translate(_ZH_DIGITS), norm(text))
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月", t) or re.search(r"(?<!\d)(\d{4})[-./](\d{1,2})(?![\d.])", t)
    if m and 1 <= int(m[2]) <= 12:
        return int(m[1]), int(m[2])
    y = re.search(r"(\d{4})\s*年", t)
    year = int(y[1]) if y else None
    m = re.search(r"(?<!\d)(\d{1,2})\s*月", t)
    if m and 1 <= int(m[1]) <= 12:
        return year, int(m[1])
    m = re.search(r"(十[一二]?|[一二三四五六七八九正冬腊])\s*月", t)
    return year, (_ZH_NUM[m[1]] if m else None)


def parse_day(value, year: int, month: int, *, after: date | None = None) -> tuple[date | None, str]:
    """The date a cell gives, read in the month (year, month); ('', None) with a zh-CN reason when it is none.

    `after` is the previous day read: a number typed as 12.1 may have been 12.10 (Excel drops the 0), so the
    reading that follows the previous day wins. A trailing weekday ('12月1日（周二）') is ignored here and
    checked by the caller."""
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    if isinstance(value, bool):
        return None, Said("不是日期", "not_a_date_value")
    if isinstance(value, int) and 20000 <= value <= 80000:  # an Excel date serial shown as a number
        return EXCEL_EPOCH + timedelta(days=value), ""
    if isinstance(value, float):
        return _dotted(value, year, month, after)
    t = norm(value)
    if not t:
        return None, Said("日期为空", "date_empty")
    for pattern, groups in ((_FULL, (1, 2, 3)), (_MD, (None, 1, 2)), (_MD_DOT, (None, 1, 2)), (_D, (None, None, 1))):
        m = pattern.match(t)
        if not m:
            continue
        rest = t[m.end():]
        if not _REST.match(rest) and not _RANGE.match(rest):
            return None, Said(f"“{t}”不是日期", "not_a_date", text=t)
        y = int(m[groups[0]]) if groups[0] else year
        mo = int(m[groups[1]]) if groups[1] else month
        if groups[0] is None and groups[1] is not None and mo < month and month - mo > 6:
            y += 1  # a January day in a December roster's last week
        if groups[0] is None and groups[1] is not None and mo > month and mo - month > 6:
            y -= 1
        try:
            return date(y, mo, int(m[groups[2]])), ""
        except ValueError:
            return None, Said(f"“{t}”不是有效日期", "invalid_date", text=t)
    return None, Said(f"“{t}”不是日期（可写作 2026-12-01、12月1日、12.1 等）", "not_a_date_hint", text=t)


def _dotted(value: float, year: int, month: int, after: date | None) -> tuple[date | None, str]:
    whole, _, frac = repr(value).partition(".")
    candidates = []
    for digits in {frac, frac + "0"} if len(frac) == 1 else {frac}:
        try:
            candidates.append(date(year, int(whole), int(digits)))
        except ValueError:
            pass
    if not candidates:
        return None, Said(f"“{value}”不是日期", "not_a_date", text=str(value))
    candidates.sort()
    if after is not None:
        later = [c for c in candidates if c > after]
        if later:
            return later[0], ""
    return candidates[0], ""


def weekday_of(value) -> int | None:
    """0-6 for 星期一..星期日 / 周一 / 礼拜天 / '一' (None when the cell names no weekday)."""
    t = squeeze(value)
    m = re.fullmatch(r"(?:星期|周|礼拜)?([一二三四五六日天])", t)
    if not m:
        return None
    return 6 if m[1] in "日天" else WEEKDAY_ZH.index(m[1])


def trailing_weekday(value) -> int | None:
    """The weekday written after a date in the same cell ('12月1日 星期二'), if any."""
    m = re.search(r"(星期|周|礼拜)([一二三四五六日天])\)?\s*$", norm(value))
    return None if not m else (6 if m[2] in "日天" else WEEKDAY_ZH.index(m[2]))


# -- names and phones ------------------------------------------------------------------------------------

def people_in(value) -> tuple[list[Named], list[str]]:
    """The people a cell names, in order, each with the phone written with them; and zh-CN problems.

    Understands '张建国（13900000000）', '张建国 13900000000', '张建国13900000000', '陈晓燕、杨帆' (also ，/;
    and spaces) and '张　三' (a two-character name padded with a full-width space to line up)."""
    text = norm(value)
    if not text:
        return [], []
    # A bracket holds a phone or a title ('（副县长）'): a phone, or digits meant as one, are kept to be read.
    text = re.sub(r"\(([^)]*)\)", lambda m: f" {m[1]} " if PHONE_LIKE.fullmatch(m[1].strip()) else " ", text)
    text = re.sub(r"^[^:]{1,8}:", "", text) if re.match(r"^[^:]{1,8}:\D", text) else text  # '带班：张三'
    tokens = [t for t in _SEP.split(text) if t]
    out: list[Named] = []
    problems: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _CJK1.match(tok) and i + 1 < len(tokens) and _CJK1.match(tokens[i + 1]):
            tok = tok + tokens[i + 1]
            i += 1
        i += 1
        if PHONE.fullmatch(tok):
            if out and not out[-1].phone:
                out[-1] = Named(out[-1].name, tok)
            else:
                problems.append(Said(f"电话 {tok} 前面没有姓名", "phone_without_name", phone=tok))
            continue
        if PHONE_LIKE.fullmatch(tok):
            problems.append(bad_phone(tok, out[-1].name if out else ""))
            continue
        m = re.fullmatch(r"(\D+?)[:\-]?(" + PHONE.pattern + ")", tok)
        bad = re.fullmatch(r"(\D+?)[:\-]?(" + PHONE_LIKE.pattern + ")", tok)
        if m and NAME.match(m[1]):
            out.append(Named(m[1], m[2]))
        elif bad and NAME.match(bad[1]):
            out.append(Named(bad[1]))
            problems.append(bad_phone(bad[2], bad[1]))
        elif out and TITLE.match(tok):
            continue
        elif NAME.match(tok):
            out.append(Named(tok))
        elif ONE_LETTER.match(tok):
            problems.append(Said(f"“{tok}”不像姓名：姓名至少两个汉字或两个字母", "name_one_letter", text=tok))
        else:
            problems.append(Said(f"“{tok}”不像姓名", "not_a_name", text=tok))
    return out, problems


def bad_phone(digits: str, name: str = "") -> str:
    """The zh-CN problem for digits written as a phone that are none (a mobile one digit short, say)."""
    n = sum(ch.isdigit() for ch in digits)
    whose = f"“{name}”的" if name else ""
    hint = f"手机号应为 11 位，这里是 {n} 位" if digits.startswith("1") else "不是有效的电话号码"
    if digits.startswith("1"):
        return Said(f"{whose}电话 {digits} 有误：{hint}", "bad_mobile", name=name, phone=digits, n=n)
    return Said(f"{whose}电话 {digits} 有误：{hint}", "bad_phone", name=name, phone=digits)


def phones_in(value) -> tuple[list[Named], list[str], list[str]]:
    """A phone column's cell: (named phones, phones without a name, problems).

    A run of digits that is no phone (1390000000) is a problem, never dropped or cut to a shorter number."""
    named, problems = people_in(value)
    if named:
        return named, [], problems
    runs = PHONE_LIKE.findall(norm(value))
    bare = [t for t in runs if PHONE.fullmatch(t)]
    wrong = [bad_phone(t) for t in runs if not PHONE.fullmatch(t)]
    if not runs and norm(value):
        return [], [], [Said(f"“{norm(value)}”不是电话号码", "not_a_phone", text=norm(value))]
    return [], bare, wrong
