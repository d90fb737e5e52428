"""Week-grid rosters: a header row of weekdays (星期一 … 星期日) and, per week, a row of dates followed by rows of
people labelled in the first column(s) (日期 / 带班领导 / 值班员 / 备注), or cells that label their people themselves
('带班：张三\n值班：李四、王五'). Pure (stdlib only)."""

from __future__ import annotations

from dataclasses import replace

from rules.rosters.sheet_cells import WEEKDAY_ZH, as_typed, dated_cell, norm, parse_day, people_in, weekday_of
from rules.rosters.sheet_grid import (ROLES, Cells, Column, Day, ParsedRoster, Problem, coded, is_footer,
                                      keep_footer, labelled_parts, letter, override, role_of)
from rules.rosters.sheet_week_span import week_days, week_label


DATED_ROW = "日期与人员"  # how an unlabelled row of '1.4 林秀英' cells is shown in the mapping (and corrected)


def parse_week(grid, cells: Cells, h: int, ym, out: ParsedRoster, words, columns, posts) -> None:
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
        if is_footer(cells, r, texts):
            keep_footer(out, grid.name, cells, r)
            continue
        label_col = next((c for c in range(first_day_col - 1, -1, -1) if texts[c]), None)
        label = texts[label_col] if label_col is not None else ""
        week = _week_of_row(grid, cells, r, first_day_col, ym, out)
        spanned = week is not None and week[1].first is not None
        if week is not None:
            if spanned or week[1].problem:
                current = _span_days(grid, r, week[1], day_cols, ym, out)
                rows_seen += 1
        # A week grid's rows are corrected by their label (every week's 值班员 row at once).
        values = {c: cells.get(r, c) for c in day_cols}
        dated = _dated_row(values, ym)
        if week is not None and week[0] == label_col and dated is None:
            label = ""  # '第1周', '第1周\n12月1日-12月6日' names the week, not the row's people
        role = (override(columns, grid.name, label) or role_of(label, words)) if label else None
        if (dated is not None or spanned) and not label:
            role = override(columns, grid.name, DATED_ROW)  # unlabelled week rows are corrected all at once
        if dated is not None and role != "ignore":
            # One row per week, each cell its day and people ('1.4 林秀英'): the week's dates and its officers.
            role = role if role in posts else "officer"
        elif role is None and not label:
            filled = [v for v in values.values() if v not in (None, "")]
            role = "date" if filled and all(parse_day(v, *ym)[0] for v in filled) else "officer"
        cell_texts = [text for _, text in dated.values()] if dated is not None else list(values.values())
        if role != "ignore" and role not in posts and any(labelled_parts(v, words) for v in cell_texts):
            role = "officer"  # a row ('值班安排') whose cells say who is what: '带班：张三 值班：李四'
        if role is None or role == "ignore" or (role not in ROLES and role not in posts):
            out.warnings.append(Problem(grid.name, r + 1, letter(label_col) if label_col is not None else "", label,
                                        "无法识别此行，已忽略", code="row_unknown"))
            continue
        shown = label or (DATED_ROW if dated is not None or spanned and role != "date" else "")  # an unlabelled week row still maps its people
        if shown and shown not in labels_seen:
            labels_seen.add(shown)
            out.columns.append(Column(grid.name, shown, shown, role))
        if role == "date":
            current = _week_dates(grid, r, values, ym, out, header)
            rows_seen += 1
            continue
        if dated is not None:
            current = _week_dates(grid, r, {c: when for c, (when, _) in dated.items()}, ym, out, header)
            rows_seen += 1
            values = {c: text for c, (_, text) in dated.items()}
        _people_row(grid, cells, r, values, current, role, label, header, out,
                    labels=(words, columns, posts, labels_seen))
    if not rows_seen:
        out.problems.append(Problem(grid.name, h + 1, "", "日期", "按周排列的值班表中没有日期行", code="no_date_row"))


def _week_of_row(grid, cells: Cells, r: int, first_day_col: int, ym, out: ParsedRoster):
    """(column, WeekLabel) of the week label that starts on row r left of the weekday columns, if any; a range
    that is not one week is a problem of its cell."""
    for c in range(first_day_col):
        if cells.merged_from_above(r, c):
            continue
        found = week_label(cells.get(r, c), ym)
        if found is not None:
            if found.problem:
                out.problems.append(Problem(grid.name, r + 1, letter(c), _one_line(found.text), found.problem))
            return c, found
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _span_days(grid, r: int, week, day_cols: dict[int, int], ym, out: ParsedRoster) -> dict:
    """The days of a week its label gives ('12月1日-12月6日'): a weekday column outside the range is another
    month's (skipped) or, within the month, a problem of any cell written there."""
    if week.problem:
        return dict.fromkeys(day_cols)
    known = {d.day: d for d in out.days if d.sheet == grid.name}
    current: dict[int, Day | str | None] = {}
    for c, (d, inside) in week_days(week, day_cols).items():
        if (d.year, d.month) != ym:
            current[c] = None
        elif not inside:
            current[c] = f"{d.month}月{d.day}日不在本周“{_one_line(week.text)}”的日期范围内"
        else:
            if d not in known:
                known[d] = Day(d, sheet=grid.name, row=r + 1)
                out.days.append(known[d])
            current[c] = known[d]
    return current


def _dated_row(values: dict, ym) -> dict | None:
    """{column: (the date as written, the people)} when the row's cells give their day before the people
    ('1.4 林秀英', '12月1日\n林秀英（139…）'): at least one such cell, and no other cell but bare dates."""
    out = {}
    for c, v in values.items():
        if v in (None, ""):
            continue
        found = dated_cell(v)
        if found is None and parse_day(v, *ym)[0] is None:
            return None
        out[c] = found or (v, "")
    return out if any(people for _, people in out.values()) else None


def _people_row(grid, cells: Cells, r: int, values: dict, current: dict, role: str, label: str, header,
                out: ParsedRoster, *, labels) -> None:
    """One row of people (or 备注) under the week's dates; each problem named by its cell and weekday column.

    A cell that labels its people ('带班：张三\n值班：李四') gives each label's people to the label's post (shown in
    the mapping as that label, and corrected by it); text before the first label is the row's."""
    words, columns, posts, labels_seen = labels
    for c, v in values.items():
        d = current.get(c)
        if v in (None, "") or cells.merged_from_above(r, c) and role == "note":
            continue
        if isinstance(d, str):
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], d))
            continue
        if d is None:
            if c in current:  # a day of the previous or next month: that month's roster
                continue
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], "这一格上方没有日期行", code="no_date_above"))
            continue
        for word, said, text in labelled_parts(v, words) or [("", None, v)]:
            part = role
            if word:
                part = override(columns, grid.name, word) or said
                if word not in labels_seen:
                    labels_seen.add(word)
                    out.columns.append(Column(grid.name, word, word, part))
            if part == "ignore" or not norm(text):
                continue
            if part not in posts and part != "note":  # a 电话 row, or a label corrected to 电话
                if word:
                    out.warnings.append(Problem(grid.name, r + 1, letter(c), header[c], f"“{word}”不是值班岗位，已忽略",
                                                code="not_a_post", params=(("text", word),)))
                continue
            _add(grid, r, c, d, part, word or label, text, header, out)


def _add(grid, r: int, c: int, d: Day, role: str, label: str, value, header, out: ParsedRoster) -> None:
    if role == "note":
        d.add_note(as_typed(value))
        return
    people, problems = people_in(value)
    for p in problems:
        extra = coded(p)
        if extra and label:  # the cell's own label first ("带班：…"): the console says it first too
            extra["params"] = (*extra["params"], ("label", label))
        out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], f"{label}：{p}" if label else p, **extra))
    d.cells.setdefault(role, (r + 1, letter(c), header[c]))
    d.add(role, [replace(p, where=(r + 1, letter(c))) for p in people])


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
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], why, **coded(why)))
            continue
        if d.weekday() != weekday_of(header[c]):
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c],
                                        f"{d.isoformat()} 是星期{WEEKDAY_ZH[d.weekday()]}，不在“{header[c]}”列",
                                        code="weekday_column", params=(("day", d.isoformat()),
                                                                       ("weekday", d.weekday()), ("text", header[c]))))
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
