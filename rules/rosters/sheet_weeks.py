"""Week-grid rosters: a header row of weekdays (星期一 … 星期日) and, per week, a row of dates followed by rows of
people labelled in the first column(s) (日期 / 带班领导 / 值班员 / 备注). Pure (stdlib only)."""

from __future__ import annotations

from rules.rosters.sheet_cells import WEEKDAY_ZH, norm, parse_day, people_in, weekday_of
from rules.rosters.sheet_grid import ROLES, Cells, Column, Day, ParsedRoster, Problem, is_footer, letter, override, role_of


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
            continue
        label = next((t for t in texts[:first_day_col][::-1] if t), "")
        # A week grid's rows are corrected by their label (every week's 值班员 row at once).
        role = (override(columns, grid.name, label) or role_of(label, words)) if label else None
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
