"""Reading an office's own 值班表 as laid out for printing: title, header, merged cells, footer, week grids.

Pure: sheets come in as plain rows (what `core.spreadsheets` reads), the roster as understood comes out —
each day's people per post in the file's order, the 备注 per day, the column mapping, and every problem
named by sheet, row and column in zh-CN. Nothing here knows the unit's directory: the import service
checks the names against it.

Two layouts are understood:
- **list**: a header row (日期 / 星期 / 带班领导 / 值班人员 / 电话 / 备注, in any order and wording), then one
  to three rows per day; a date or leader cell merged over a day's rows (or left empty below) belongs to
  the rows under it until the next date.
- **week grid**: a header row of weekdays (星期一 … 星期日) and, per week, a row of dates followed by rows
  of people, labelled in the first column(s) (日期 / 带班领导 / 值班员 / 备注).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rules.rosters.sheet_cells import (FOOTER, HEADER_WORDS, WEEKDAY_ZH, Named, month_in, norm, parse_day,
                                       people_in, phones_in, squeeze, trailing_weekday, weekday_of)

ROLES = ("date", "weekday", "note", "phone")  # the non-post roles of a column
HEADER_SCAN = 15  # rows searched for the header


@dataclass(frozen=True)
class Grid:
    """One sheet as read: rows of values (0-based from A1) and merged ranges (r1, c1, r2, c2) inclusive."""

    name: str
    rows: list[list]
    merged: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something in the file that stops the import (or, as a warning, that the clerk should know)."""

    sheet: str
    row: int  # 1-based as Excel shows it; 0 for the whole sheet
    column: str  # letter, or "" for the whole row
    header: str  # the column's header text, or what the problem is about
    message: str

    @property
    def text(self) -> str:
        where = f"工作表“{self.sheet}”" + (f"第{self.row}行" if self.row else "") + (f"{self.column}列" if self.column else "")
        return f"{where}（{self.header}）：{self.message}" if self.header else f"{where}：{self.message}"


@dataclass(frozen=True)
class Column:
    """How one column (or, in a week grid, one row label) was understood; `role` a post name or ROLES."""

    sheet: str
    column: str
    header: str
    role: str


@dataclass
class Day:
    """One day of the roster as the file gives it."""

    day: date
    posts: dict[str, list[Named]] = field(default_factory=dict)
    note: str = ""
    sheet: str = ""
    row: int = 0
    cells: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # post -> (row, column, header) first seen

    def add(self, post: str, people: list[Named]) -> None:
        have = self.posts.setdefault(post, [])
        for p in people:
            same = next((i for i, q in enumerate(have) if q.name == p.name), None)
            if same is None:
                have.append(p)
            elif p.phone and not have[same].phone:
                have[same] = p

    def add_note(self, text: str) -> None:
        if text and text not in self.note.split("；"):
            self.note = f"{self.note}；{text}" if self.note else text


@dataclass
class ParsedRoster:
    """The roster as understood: days in date order, the column mapping, problems and warnings (zh-CN)."""

    days: list[Day] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    layouts: dict[str, str] = field(default_factory=dict)  # sheet -> list / week
    months: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet -> (year, month)

    @property
    def ok(self) -> bool:
        return not self.problems


def letter(index: int) -> str:
    s, index = "", index + 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def vocabulary(post_labels: dict[str, str]) -> list[tuple[str, str]]:
    """(word, role) pairs, longest word first: the default words plus each post's own label."""
    words = [(w, role) for role, ws in HEADER_WORDS.items() for w in ws]
    words += [(squeeze(label), post) for post, label in post_labels.items() if label]
    return sorted(set(words), key=lambda wr: (-len(wr[0]), wr[1]))


def role_of(header, words: list[tuple[str, str]]) -> str | None:
    """The role a header names ('值班员（手机）' -> officer; '联系电话' -> phone; unknown -> None)."""
    t = squeeze(header)
    if not t or len(t) > 12:
        return None
    if any(w in t for w in HEADER_WORDS["phone"]):
        return "phone"
    exact = next((r for w, r in words if w == t), None)
    if exact:
        return exact
    if weekday_of(t) is not None:
        return None
    # A header that merely contains a word: only long words, or the short words of the fixed columns, so
    # that 值班地点 is not read as 值班 (officers) while 值班人员名单 and 日期/星期 still are.
    return next((r for w, r in words if (len(w) > 2 or len(w) == 2 and r in ROLES) and w in t), None)


class _Cells:
    """A sheet's values with merged ranges filled in from their top-left cell."""

    def __init__(self, grid: Grid) -> None:
        self.rows = grid.rows
        self.width = max((len(r) for r in grid.rows), default=0)
        self.owner: dict[tuple[int, int], tuple[int, int]] = {}
        self.spans: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        # Merges are clipped to the cells present, and their filled cells are bounded by twice the sheet's
        # area: Excel never overlaps merges, so more than that is a crafted file, not a roster.
        budget = 2 * max(len(grid.rows) * self.width, 1)
        for r1, c1, r2, c2 in grid.merged:
            r2, c2 = min(r2, len(grid.rows) - 1), min(c2, self.width - 1)
            area = (r2 - r1 + 1) * (c2 - c1 + 1)
            if r2 < r1 or c2 < c1 or area > budget:
                continue
            budget -= area
            self.spans[(r1, c1)] = (r1, c1, r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.owner[(r, c)] = (r1, c1)

    def raw(self, r: int, c: int):
        row = self.rows[r] if r < len(self.rows) else []
        return row[c] if c < len(row) else None

    def get(self, r: int, c: int):
        v = self.raw(r, c)
        if v is None and (r, c) in self.owner:
            return self.raw(*self.owner[(r, c)])
        return v

    def merged_from_above(self, r: int, c: int) -> bool:
        o = self.owner.get((r, c))
        return o is not None and o[0] < r

    def row_span(self, r: int) -> int:
        """Columns covered by the widest horizontal merge starting on row r (a title or a footer)."""
        return max((c2 - c1 + 1 for (r1, c1), (_, _, _, c2) in self.spans.items() if r1 == r), default=1)

    def texts(self, r: int) -> list[str]:
        return [norm(self.get(r, c)) for c in range(self.width)]


def parse_roster(grids: list[Grid], *, post_labels: dict[str, str], month: tuple[int, int] | None = None,
                 columns: dict[str, str] | None = None) -> ParsedRoster:
    """The roster in `grids`. `post_labels`: post name -> label (带班领导 …); `month` the month chosen by the
    user (sheets of other months are left out with a warning); `columns` corrections of the mapping,
    'C' or '工作表!C' -> a post name or a role ('ignore' to leave a column out)."""
    out = ParsedRoster()
    words = vocabulary(post_labels)
    for grid in grids:
        if not any(any(v not in (None, "") for v in row) for row in grid.rows):
            continue
        _parse_sheet(grid, out, words, month, columns or {}, set(post_labels))
    if not out.layouts and not out.problems:
        out.problems.append(Problem(grids[0].name if grids else "", 0, "", "", "文件中没有找到值班表（表头应含“日期”和值班人员等列）"))
    seen: dict[date, Day] = {}
    for d in out.days:
        if d.day in seen:
            first = seen[d.day]
            out.problems.append(Problem(d.sheet, d.row, "", "日期",
                                        f"{d.day.isoformat()} 已在工作表“{first.sheet}”第{first.row}行出现"))
        else:
            seen[d.day] = d
    out.days = sorted(seen.values(), key=lambda d: d.day)
    return out


def _sheet_month(grid: Grid, cells: _Cells, header_at: int, hint: tuple[int, int] | None) -> tuple[int, int] | None:
    title = " ".join(t for r in range(header_at) for t in cells.texts(r) if t)
    ty, tm = month_in(title)
    sy, sm = month_in(grid.name)
    year = ty or sy or (hint[0] if hint else None)
    mon = tm or sm
    if mon is None and hint is not None:
        return hint
    if mon is None or year is None:
        return None
    return year, mon


def _find_header(cells: _Cells, words) -> tuple[int, str] | None:
    for r in range(min(HEADER_SCAN, len(cells.rows))):
        texts = cells.texts(r)
        weekdays = {weekday_of(t) for t in texts if t and len(squeeze(t)) <= 3} - {None}
        if len(weekdays) >= 5:
            return r, "week"
        roles = [role_of(t, words) for t in texts]
        if "date" in roles and any(x not in (None, *ROLES) for x in roles):
            return r, "list"
    return None


def _override(columns: dict[str, str], sheet: str, col: str) -> str | None:
    return columns.get(f"{sheet}!{col}", columns.get(col))


def _parse_sheet(grid: Grid, out: ParsedRoster, words, hint, columns: dict[str, str], posts: set[str]) -> None:
    cells = _Cells(grid)
    found = _find_header(cells, words)
    if found is None:
        out.warnings.append(Problem(grid.name, 0, "", "", "没有找到表头（日期、值班人员等），已跳过此工作表"))
        return
    header_at, layout = found
    ym = _sheet_month(grid, cells, header_at, hint)
    if ym is None:
        out.problems.append(Problem(grid.name, header_at + 1, "", "年月",
                                    "无法确定年月：请在标题（如“2026年12月值班表”）或工作表名中写明，或选择月份"))
        return
    if hint is not None and ym != hint:
        out.warnings.append(Problem(grid.name, 0, "", "", f"这是{ym[0]}年{ym[1]}月的值班表，不是所选月份，已跳过"))
        return
    out.layouts[grid.name] = layout
    out.months[grid.name] = ym
    if layout == "list":
        _parse_list(grid, cells, header_at, ym, out, words, columns, posts)
    else:
        _parse_week(grid, cells, header_at, ym, out, words, columns, posts)


SUBHEADER_NAME = ("姓名", "名字", "人员")


def _columns(grid, cells: _Cells, h: int, words, columns, posts) -> tuple[int, list[str], dict[int, str],
                                                                         dict[int, str], list[Column]]:
    """(first data row, header texts, column -> role, phone column -> the post whose phones it holds, the
    mapping as shown to the clerk).

    A header may take two rows: 带班领导 / 值班人员 merged over 姓名 | 电话 beneath. Of several date
    columns, the one that says 日期 is the date (值班时间 beside it holds hours, not days)."""
    header = cells.texts(h)
    below = cells.texts(h + 1) if h + 1 < len(cells.rows) else []
    sub = {c: squeeze(t) for c, t in enumerate(below) if t and (squeeze(t) in SUBHEADER_NAME
                                                                 or role_of(t, words) == "phone")}
    first = h + 2 if sub and len(sub) >= 2 else h + 1
    if first == h + 1:
        sub = {}
    found: dict[int, str] = {}
    for c, t in enumerate(header):
        found[c] = _override(columns, grid.name, letter(c)) or role_of(t, words)
    targets: dict[int, str] = {}
    for c, t in sub.items():
        if _override(columns, grid.name, letter(c)):
            continue
        if t not in SUBHEADER_NAME:  # 电话 under a post's merged header: that post's phones
            if found.get(c) in posts:
                targets[c] = found[c]
            found[c] = "phone"
    dates = [c for c, r in found.items() if r == "date"]
    best = next((c for c in dates if "日期" in squeeze(header[c])), dates[0] if dates else None)
    roles: dict[int, str] = {}
    mapping: list[Column] = []
    for c, role in found.items():
        usable = role and role != "ignore" and (role in ROLES or role in posts)
        if usable and not (role == "date" and c != best) and not (role == "weekday" and "weekday" in roles.values()):
            roles[c] = role
        if header[c] or role:
            label = header[c] + (f"·{below[c]}" if c in sub else "")
            out_role = roles.get(c, "ignore")
            mapping.append(Column(grid.name, letter(c), label, out_role))
    # A phone column named after a post (带班领导电话) holds that post's phones.
    for c, r in roles.items():
        if r == "phone" and c not in targets:
            t = role_of(_without_phone_words(header[c]), words)
            if t in posts:
                targets[c] = t
    return first, header, roles, targets, mapping


def _parse_list(grid, cells: _Cells, h: int, ym, out: ParsedRoster, words, columns, posts) -> None:
    first_row, header, roles, targets, mapping = _columns(grid, cells, h, words, columns, posts)
    out.columns += mapping
    date_col = next((c for c, r in roles.items() if r == "date"), None)
    if date_col is None:
        out.problems.append(Problem(grid.name, h + 1, "", "日期", "没有日期列"))
        return
    day: Day | None = None
    prev: date | None = None
    ended = False
    for r in range(first_row, len(cells.rows)):
        texts = cells.texts(r)
        if not any(texts):
            continue
        if texts == header:
            continue  # the header repeated for printing
        if _is_footer(cells, r, texts):
            ended = True
            continue
        raw = cells.raw(r, date_col)
        continued = raw in (None, "") and day is not None
        if not continued:
            d, why = parse_day(cells.get(r, date_col), ym[0], ym[1], after=prev)
            if d is None:
                if ended:
                    continue
                out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col], why))
                day = None
                continue
            if not ended and d == (day.day if day else None) and cells.merged_from_above(r, date_col):
                continued = True
            else:
                if (d.year, d.month) != ym:
                    out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col],
                                                f"{d.isoformat()} 不在{ym[0]}年{ym[1]}月"))
                    day = None
                    continue
                day, prev, ended = Day(d, sheet=grid.name, row=r + 1), d, False
                out.days.append(day)
                wd = trailing_weekday(cells.get(r, date_col))
                if wd is not None and wd != d.weekday():
                    out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col],
                                                f"{d.isoformat()} 是星期{WEEKDAY_ZH[d.weekday()]}，不是星期{WEEKDAY_ZH[wd]}"))
        if day is None:
            continue
        _read_row(grid, cells, r, roles, header, day, out, check_weekday=not continued, targets=targets)


def _is_footer(cells: _Cells, r: int, texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    first = filled[0] if filled else ""
    if FOOTER.match(squeeze(first)) and (":" in first or len(set(filled)) == 1 or len(first) > 8):
        return True
    return cells.row_span(r) >= max(3, cells.width // 2) and len(set(filled)) == 1


def _without_phone_words(text: str) -> str:
    t = squeeze(text)
    for w in HEADER_WORDS["phone"]:
        t = t.replace(w, "")
    return t


def _read_row(grid, cells: _Cells, r: int, roles: dict[int, str], header, day: Day, out: ParsedRoster, *,
              check_weekday: bool, targets: dict[int, str]) -> None:
    row_people: list[tuple[str, Named]] = []
    bare_phones: list[tuple[int, list[str]]] = []
    named_phones: list[Named] = []
    for c, role in roles.items():
        if role == "date":
            continue
        value = cells.get(r, c)
        if role == "weekday":
            wd = weekday_of(value)
            if check_weekday and value not in (None, "") and wd != day.day.weekday():
                out.problems.append(Problem(grid.name, r + 1, letter(c), header[c],
                                            f"{day.day.isoformat()} 是星期{WEEKDAY_ZH[day.day.weekday()]}，不是“{norm(value)}”"))
            continue
        if role == "note":
            if not cells.merged_from_above(r, c):
                day.add_note(norm(value))
            continue
        if role == "phone":
            named, bare, problems = phones_in(value)
            named_phones += named
            if bare:
                bare_phones.append((c, bare))
            for p in problems:
                out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], p))
            continue
        people, problems = people_in(value)
        for p in problems:
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], p))
        if people:
            day.cells.setdefault(role, (r + 1, letter(c), header[c]))
            row_people += [(role, p) for p in people]
    # Phones from the phone column go to the names they are written with, bare ones to the row's people
    # without a phone, officers before leaders (a 联系电话 column beside 值班员 is the officer's).
    phones = {p.name: p.phone for p in named_phones}
    unknown = [p.name for p in named_phones if p.name not in {q.name for _, q in row_people}]
    for c, bare in bare_phones:
        target = targets.get(c)
        lacking = [i for i, (role, p) in sorted(enumerate(row_people), key=lambda x: x[1][0] == "leader")
                   if not p.phone and p.name not in phones and (target is None or role == target)]
        for i, ph in zip(lacking, bare):
            role, p = row_people[i]
            row_people[i] = (role, Named(p.name, ph))
        if len(bare) > len(lacking):
            out.warnings.append(Problem(grid.name, r + 1, letter(c), header[c],
                                        f"电话 {'、'.join(bare[len(lacking):])} 无法对应到姓名，已忽略"))
    for name in unknown:
        out.warnings.append(Problem(grid.name, r + 1, "", "电话", f"电话列中的“{name}”不在本行的值班人员中，已忽略"))
    for role, p in row_people:
        day.add(role, [Named(p.name, p.phone or phones.get(p.name, ""))])


def _parse_week(grid, cells: _Cells, h: int, ym, out: ParsedRoster, words, columns, posts) -> None:
    header = cells.texts(h)
    day_cols = {c: weekday_of(t) for c, t in enumerate(header) if t and weekday_of(t) is not None}
    first_day_col = min(day_cols)
    for c, wd in day_cols.items():
        out.columns.append(Column(grid.name, letter(c), header[c], f"weekday:{wd}"))
    current: dict[int, Day | None] = {}
    rows_seen = 0
    labels_seen: set[str] = set()
    for r in range(h + 1, len(cells.rows)):
        texts = cells.texts(r)
        if not any(texts):
            continue
        if _is_footer(cells, r, texts):
            continue
        label = next((t for t in texts[:first_day_col][::-1] if t), "")
        # A week grid's rows are corrected by their label (every week's 值班员 row at once).
        role = (_override(columns, grid.name, label) or role_of(label, words)) if label else None
        values = {c: cells.get(r, c) for c in day_cols}
        if role is None and not label:
            dated = [v for v in values.values() if v not in (None, "")]
            role = "date" if dated and all(parse_day(v, *ym)[0] for v in dated) else "officer"
        if role is None or role == "ignore" or (role not in ROLES and role not in posts):
            out.warnings.append(Problem(grid.name, r + 1, letter(0), label, "无法识别此行，已忽略"))
            continue
        if label and label not in labels_seen:
            labels_seen.add(label)
            out.columns.append(Column(grid.name, label, label, role))
        if role == "date":
            current = _week_dates(grid, r, values, ym, out, header)
            rows_seen += 1
            continue
        for c, v in values.items():
            d = current.get(c)
            if v in (None, "") or cells.merged_from_above(r, c) and role == "note":
                continue
            if d is None:
                if c in current:  # a day of the previous or next month: that month's roster
                    continue
                out.problems.append(Problem(grid.name, r + 1, letter(c), label or header[c], "这一格上方没有日期行"))
                continue
            if role == "note":
                d.add_note(norm(v))
            elif role == "phone":
                continue
            elif role != "weekday":
                people, problems = people_in(v)
                for p in problems:
                    out.problems.append(Problem(grid.name, r + 1, letter(c), label, p))
                d.cells.setdefault(role, (r + 1, letter(c), label))
                d.add(role, people)
    if not rows_seen:
        out.problems.append(Problem(grid.name, h + 1, "", "日期", "按周排列的值班表中没有日期行"))


def _week_dates(grid, r: int, values: dict, ym, out: ParsedRoster, header) -> dict[int, Day | None]:
    """The days of one week's date row; cells of another month map to None (skipped, not errors).

    Bare day numbers (1, 1日) roll over within a row: in the month's first week the numbers before the
    roll (30, 31) are the previous month's, in the last week those after it (1, 2) the next month's."""
    current: dict[int, Day | None] = {}
    known = {d.day: d for d in out.days if d.sheet == grid.name}
    year, month = ym
    cells = sorted((c, v) for c, v in values.items() if v not in (None, ""))
    nums = {c: _day_number(v) for c, v in cells}
    seq = [n for n in nums.values() if n is not None]
    rolls = any(b < a for a, b in zip(seq, seq[1:]))
    offset = -1 if rolls and not known and seq and seq[0] > 20 else 0
    prev = None
    for c, v in cells:
        num = nums[c]
        if num is not None:
            if prev is not None and num < prev:
                offset += 1
            prev = num
            y, m = (year * 12 + month - 1 + offset) // 12, (month - 1 + offset) % 12 + 1
            d, why = parse_day(num, y, m)
        else:
            d, why = parse_day(v, year, month)
        if d is None:
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], why))
            continue
        if d.weekday() != weekday_of(header[c]):
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c],
                                        f"{d.isoformat()} 是星期{WEEKDAY_ZH[d.weekday()]}，不在“{header[c]}”列"))
        if (d.year, d.month) != ym:
            current[c] = None
            continue
        day = known.get(d)
        if day is None:
            day = known[d] = Day(d, sheet=grid.name, row=r + 1)
            out.days.append(day)
        current[c] = day
    return current


def _day_number(value) -> int | None:
    """1..31 from 1, '1', '1日', '1号' (a week grid's date row often gives the day alone)."""
    if isinstance(value, bool):
        return None
    t = norm(value)
    t = t[:-1] if t.endswith(("日", "号")) else t
    return int(t) if t.isdigit() and 1 <= int(t) <= 31 else None
