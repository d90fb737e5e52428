"""The pieces a roster file is read into: a sheet's cells with merges filled, problems, columns, days.

Pure (stdlib only); shared by the list reader (`sheet_layout.py`) and the week-grid reader (`sheet_weeks.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from rules.rosters.sheet_cells import FOOTER, HEADER_WORDS, Named, Said, as_typed, norm, norm_mapped, squeeze, weekday_of

ROLES = ("date", "weekday", "note", "phone")  # the non-post roles of a column
# A post's column that also holds the phones ('值班人员及电话', '值守人员及联系电话'): the post's, read with phones.
_WITH_PHONE = re.compile(r"^(.+?)(?:及|和|与|、|/|\+|&)(?:其)?(?:" + "|".join(HEADER_WORDS["phone"]) + ")$")


@dataclass(frozen=True)
class Grid:
    """One sheet as read: rows of values (0-based from A1) and merged ranges (r1, c1, r2, c2) inclusive."""

    name: str
    rows: list[list]
    merged: tuple[tuple[int, int, int, int], ...] = ()


CSV_SHEET = "csv"  # the name core.spreadsheets gives a CSV file's one sheet: said as the file, not as a 工作表
TEXT_SHEET = "text"  # ... and a text file's whose name says Excel (.xlsx, .xls): said as "the file (text)"
NOT_EXCEL_TEXT = "这个文件不是 Excel 表格（内容是文本），请用 Excel 或 WPS 打开后另存为 .xlsx 或 .csv"


def said(code: str, **params) -> dict:
    """A Problem's `code` and `params` as keywords: `Problem(sheet, row, col, header, "…", **said("x", name=n))`."""
    return {"code": code, "params": tuple(params.items())}


def coded(reason: str) -> dict:
    """A cell's reason (sheet_cells.Said) as a Problem's `code` and `params`; nothing for a plain text."""
    return {"code": reason.code, "params": reason.params} if isinstance(reason, Said) else {}


@dataclass(frozen=True)
class Problem:
    """Something in the file that stops the import (or, as a warning, that the clerk should know)."""

    sheet: str
    row: int  # 1-based as Excel shows it; 0 for the whole sheet
    column: str  # letter, or "" for the whole row
    header: str  # the column's header text, or what the problem is about
    message: str
    # what it is and its values, for wording it in another language (the console's roster.problem.<code>);
    # posts by their names, days as ISO dates, weekdays 0 = Monday. No code: only the zh-CN message exists.
    code: str = ""
    params: tuple[tuple[str, object], ...] = ()

    @property
    def text(self) -> str:
        if self.sheet == TEXT_SHEET and not self.row and not self.column and not self.header:
            return self.message  # the whole file: its message says what the file is
        where = ("CSV 文件" if self.sheet == CSV_SHEET else "文件（文本）" if self.sheet == TEXT_SHEET
                 else f"工作表“{self.sheet}”") + (f"第{self.row}行" if self.row else "") \
            + (f"{self.column}列" if self.column else "")
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
    # (post, first mention, the repeat): a name written twice for one post of the day is kept once, and said
    repeats: list[tuple[str, Named, Named]] = field(default_factory=list)
    mentions: dict[str, dict[int, list[str]]] = field(default_factory=dict)  # column -> row -> names written

    def add(self, post: str, people: list[Named]) -> None:
        have = self.posts.setdefault(post, [])
        for p in people:
            if p.where:
                self.mentions.setdefault(p.where[1], {}).setdefault(p.where[0], []).append(p.name)
            same = next((i for i, q in enumerate(have) if q.name == p.name), None)
            if same is None:
                have.append(p)
                continue
            if p.where != have[same].where:  # not the same (merged) cell read again for another row
                self.repeats.append((post, have[same], p))
            if p.phone and not have[same].phone:
                have[same] = replace(p, where=have[same].where)

    def carried(self, column: str) -> bool:
        """Whether `column` only carries one value down the day's rows (the leader typed again on each officer row,
        as a merged cell would show it) while another column of the day varies: its repeats are no mistake."""
        rows = self.mentions.get(column, {})
        if len(rows) < 2 or len({tuple(v) for v in rows.values()}) > 1:
            return False
        return any(len({tuple(v) for v in other.values()}) > 1 for c, other in self.mentions.items() if c != column)

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
    other_months: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheets left out: not the chosen month
    # the file's own words around the roster, as typed: its title row and its footer lines, per sheet
    titles: dict[str, str] = field(default_factory=dict)
    footers: dict[str, list[str]] = field(default_factory=dict)

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
    both = _WITH_PHONE.match(t)
    if both:
        post = role_of(both[1], words)
        if post is not None and post not in ROLES:
            return post
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


def labelled_parts(value, words: list[tuple[str, str]]) -> list[tuple[str, str | None, str]]:
    """A cell that labels its people ('带班：张三\n值班：李四、王五', '带班:张三 值班:李四'): [(label, role, text)]
    in the cell's order, text before the first label as ("", None, text); [] when the cell has no label.
    Each text is as typed (a 备注 keeps its full-width ，（）), labels are found in the NFKC text.

    Only the words of the posts and of 备注 are labels, so '值班室：' or '张建国:139…' are read as before."""
    t, at, typed = norm_mapped(value)
    if ":" not in t:
        return []
    labels = [w for w, r in words if r not in ("date", "weekday", "phone")]  # longest first
    found = list(re.finditer("(" + "|".join(map(re.escape, labels)) + r")\s*:", t)) if labels else []
    if not found:
        return []
    roles: dict[str, str] = {}
    for w, r in words:
        roles.setdefault(w, r)  # as role_of: the first of the words, longest first
    def typed_part(start: int, end: int) -> str:
        return typed[at[start]:at[end]].strip()

    parts = [("", None, typed_part(0, found[0].start()))] if t[:found[0].start()].strip() else []
    for m, nxt in zip(found, [*found[1:], None]):
        parts.append((m[1], roles[m[1]], typed_part(m.end(), nxt.start() if nxt else len(t))))
    return parts


class Cells:
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


def override(columns: dict[str, str], sheet: str, col: str) -> str | None:
    return columns.get(f"{sheet}!{col}", columns.get(col))


def title_of(cells: Cells, header_at: int) -> str:
    """The sheet's title as typed, one line per row above the header: the title (merged across, or one cell),
    then any second title row ("（2026年12月1日—12月31日）") or "制表人：… 审核：…" row, its cells joined by a
    space (as a re-import of the export reads them). Never data: kept for print and export, at most 200 characters."""
    lines = []
    for r in range(header_at):
        text = " ".join(" ".join(as_typed(cells.raw(r, c)).split()) for c in range(cells.width)
                         if cells.raw(r, c) not in (None, "") and not cells.merged_from_above(r, c))
        if text and text not in lines:
            lines.append(text)
    out = ""
    for line in lines:  # whole lines only: a cut line would be printed as if the office had written it
        if len(out) + len(line) + 1 > 200:
            break
        out = f"{out}\n{line}" if out else line
    return out or ("\n".join(lines)[:200] if lines else "")


def keep_footer(out: ParsedRoster, sheet: str, cells: Cells, r: int) -> None:
    """A footer row's text as typed (值班电话：0838-1234567（24小时）), once per row, for print and export."""
    text = "  ".join(as_typed(cells.raw(r, c)) for c in range(cells.width)
                     if cells.raw(r, c) not in (None, "") and not cells.merged_from_above(r, c))
    if len(text) <= 6 and cells.row_span(r) < 2:
        return  # a week's empty 备注 row, not the sheet's footer
    if text not in out.footers.get(sheet, []):
        out.footers.setdefault(sheet, []).append(text)


def is_footer(cells: Cells, r: int, texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    first = filled[0] if filled else ""
    if FOOTER.match(squeeze(first)) and (":" in first or len(set(filled)) == 1 or len(first) > 8):
        return True
    return cells.row_span(r) >= max(3, cells.width // 2) and len(set(filled)) == 1


@dataclass(frozen=True)
class SheetMapping:
    """How one sheet was mapped, as shown to the clerk: a list's columns -> roles; a week grid's row labels -> posts
    (`rows`, corrected by label) and weekday columns -> the dates read under them (`dates`)."""

    sheet: str
    layout: str
    columns: list[Column]
    dates: list[tuple[Column, list[date]]] = field(default_factory=list)


def mappings(parsed: ParsedRoster) -> list[SheetMapping]:
    """The mapping per sheet in the file's order. A week grid's rows are listed as rows, never as columns."""
    out = []
    for sheet, layout in parsed.layouts.items():
        mine = [c for c in parsed.columns if c.sheet == sheet]
        rows = [c for c in mine if not c.role.startswith("weekday:")]
        dates = [(c, [d.day for d in parsed.days if d.sheet == sheet and d.day.weekday() == int(c.role[8:])])
                 for c in mine if c.role.startswith("weekday:")]
        out.append(SheetMapping(sheet, layout, rows, dates if layout == "week" else []))
    for sheet in dict.fromkeys(c.sheet for c in parsed.columns if c.sheet not in parsed.layouts):
        # a sheet guessed for mapping by hand (no header recognised): its columns, to be corrected
        out.append(SheetMapping(sheet, "list", [c for c in parsed.columns if c.sheet == sheet]))
    return out


def day_list(days: list[date]) -> str:
    """12月1日、8日、15日 (a weekday column's dates, the month said once per month)."""
    out, month = [], None
    for d in days:
        out.append(f"{d.month}月{d.day}日" if d.month != month else f"{d.day}日")
        month = d.month
    return "、".join(out)
