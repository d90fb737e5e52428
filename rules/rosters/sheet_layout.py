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
  of people, labelled in the first column(s) (日期 / 带班领导 / 值班员 / 备注) — `sheet_weeks.py`.
"""

from __future__ import annotations

from dataclasses import replace

from datetime import date

from rules.rosters.sheet_cells import (HEADER_WORDS, PHONE, WEEKDAY_ZH, Named, as_typed, month_in, norm, parse_day,
                                       people_in, phones_in, squeeze, trailing_weekday, weekday_of)
from rules.rosters.sheet_grid import (NOT_EXCEL_TEXT, ROLES, TEXT_SHEET, Cells, Column, Day, Grid, ParsedRoster,
                                      Problem, coded, is_footer, keep_footer, letter, override, role_of, said,
                                      title_of, vocabulary)
from rules.rosters.sheet_weeks import parse_week

__all__ = ["Column", "Day", "Grid", "ParsedRoster", "Problem", "parse_roster"]
HEADER_SCAN = 15  # rows searched for the header

# how the console corrects a mapping (the CLI words these as its --column option: dutydesk/commands/roster_cmd.py)
HEADER_HINT = "请在下方“识别为”一栏为各列选择日期、带班领导、值班人员等，再点“按此对应重新识别”"
COLUMN_HINT = "请在下方“识别为”一栏选择此列是带班领导、值班员、电话、备注还是忽略，再点“按此对应重新识别”"


def parse_roster(grids: list[Grid], *, post_labels: dict[str, str], month: tuple[int, int] | None = None,
                 columns: dict[str, str] | None = None, year: int | None = None) -> ParsedRoster:
    """The roster in `grids`. `post_labels`: post name -> label (带班领导 …); `month` the month chosen by the
    user (sheets of other months are left out with a warning); `columns` corrections of the mapping,
    'C' or '工作表!C' -> a post name or a role ('ignore' to leave a column out). `year`: without `month`, the year
    of a sheet whose title and name give its month only (several months imported at once)."""
    out = ParsedRoster()
    words = vocabulary(post_labels)
    filled = [g for g in grids if any(any(v not in (None, "") for v in row) for row in g.rows)]
    for grid in filled:
        _parse_sheet(grid, out, words, month, columns or {}, set(post_labels), year=year)
    if filled and not out.layouts and not out.problems and not out.other_months:
        # No header recognised anywhere: the first sheet's likeliest header row is shown for mapping by hand,
        # rather than nothing at all to correct.
        out.warnings = [w for w in out.warnings if w.sheet != filled[0].name]
        _parse_sheet(filled[0], out, words, month, columns or {}, set(post_labels), guess=True, year=year)
    if not out.layouts and not out.problems and out.other_months and month is not None:
        found = "、".join(f"{y}年{m}月" for y, m in sorted(set(out.other_months.values())))
        out.problems.append(Problem(next(iter(out.other_months)), 0, "", "",
                                    f"文件中没有所选{month[0]}年{month[1]}月的值班表：这是{found}的值班表",
                                    **said("other_months_only", year=month[0], month=month[1],
                                           found=tuple(sorted(set(out.other_months.values()))))))
    elif not out.layouts and not out.problems and grids and grids[0].name == TEXT_SHEET:
        out.problems.append(Problem(TEXT_SHEET, 0, "", "", NOT_EXCEL_TEXT, **said("not_excel_text")))
    elif not out.layouts and not out.problems:
        out.problems.append(Problem(grids[0].name if grids else "", 0, "", "", "文件中没有找到值班表（表头应含“日期”和值班人员等列）",
                                    **said("no_roster")))
    seen: dict[date, Day] = {}
    for d in out.days:
        if d.day in seen:
            first = seen[d.day]
            out.problems.append(Problem(d.sheet, d.row, "", "日期",
                                        f"{d.day.isoformat()} 已在工作表“{first.sheet}”第{first.row}行出现",
                                        **said("date_twice", day=d.day.isoformat(), sheet=first.sheet, row=first.row)))
        else:
            seen[d.day] = d
    out.days = sorted(seen.values(), key=lambda d: d.day)
    for d in out.days:
        for post, first, again in d.repeats:
            if again.where and first.where and again.where[1] == first.where[1] and d.carried(again.where[1]):
                continue
            _say_repeat(out, d, post_labels.get(post, post), first, again)
    return out


def _say_repeat(out: ParsedRoster, d: Day, label: str, first: Named, again: Named) -> None:
    """A name written twice for the same post of one day (two rows, two cells): kept once, and the repeat said
    where it is (sheet, row, column), with where the name first was."""
    (row, column), (was_row, was_column) = again.where or (0, ""), first.where or (0, "")
    out.warnings.append(Problem(d.sheet, row, column, label,
                                f"“{again.name}”在 {d.day.isoformat()} 已写在第{was_row}行{was_column}列，重复的只安排一次",
                                **said("repeated_name", name=again.name, day=d.day.isoformat(), row=was_row,
                                       column=was_column)))


def _sheet_month(grid: Grid, cells: Cells, header_at: int, hint: tuple[int, int] | None,
                 year_hint: int | None = None) -> tuple[int, int] | None:
    title = " ".join(t for r in range(header_at) for t in cells.texts(r) if t)
    ty, tm = month_in(title)
    sy, sm = month_in(grid.name)
    year = ty or sy or (hint[0] if hint else year_hint)
    mon = tm or sm
    if mon is None and hint is not None:
        return hint
    if mon is None or year is None:
        return None
    return year, mon


def _find_header(cells: Cells, words, sheet: str, columns: dict[str, str],
                 guess: bool = False) -> tuple[int, str] | None:
    """(header row, layout). A column the clerk has mapped counts with its mapping, so a header in words not
    known here is found once corrected. With `guess`, the first row of several different texts is taken as the
    header when none is recognised, so that its columns can be mapped by hand."""
    scan = range(min(HEADER_SCAN, len(cells.rows)))
    for r in scan:
        texts = cells.texts(r)
        weekdays = {weekday_of(t) for t in texts if t and len(squeeze(t)) <= 3} - {None}
        if len(weekdays) >= 5:
            return r, "week"
        if len({t for t in texts if t}) < 2:
            continue  # a title merged across the sheet, or a single note: never the header
        roles = [(override(columns, sheet, letter(c)) if t else None) or role_of(t, words) for c, t in enumerate(texts)]
        if "date" in roles and any(x not in (None, "ignore", *ROLES) for x in roles):
            return r, "list"
    if guess:
        return next(((r, "list") for r in scan if len({t for t in cells.texts(r) if t}) >= 2), None)
    return None


def _parse_sheet(grid: Grid, out: ParsedRoster, words, hint, columns: dict[str, str], posts: set[str],
                 guess: bool = False, year: int | None = None) -> None:
    cells = Cells(grid)
    found = _find_header(cells, words, grid.name, columns)
    if found is None and guess:
        found = _find_header(cells, words, grid.name, columns, guess=True)
        if found is not None:
            out.problems.append(Problem(grid.name, found[0] + 1, "", "表头",
                                        "没有识别出表头的各列：" + HEADER_HINT))
    if found is None:
        out.warnings.append(Problem(grid.name, 0, "", "", "没有找到表头（日期、值班人员等），已跳过此工作表",
                                    **said("no_header")))
        return
    header_at, layout = found
    ym = _sheet_month(grid, cells, header_at, hint, year)
    if ym is None:
        out.problems.append(Problem(grid.name, header_at + 1, "", "年月",
                                    "无法确定年月：请在标题（如“2026年12月值班表”）或工作表名中写明，或选择月份",
                                    **said("no_year_month")))
        return
    if hint is not None and ym != hint:
        out.other_months[grid.name] = ym
        out.warnings.append(Problem(grid.name, 0, "", "", f"这是{ym[0]}年{ym[1]}月的值班表，不是所选月份，已跳过",
                                    **said("other_month_skipped", year=ym[0], month=ym[1])))
        return
    out.layouts[grid.name] = layout
    out.months[grid.name] = ym
    if title_of(cells, header_at):
        out.titles[grid.name] = title_of(cells, header_at)
    if layout == "list":
        _parse_list(grid, cells, header_at, ym, out, words, columns, posts)
    else:
        parse_week(grid, cells, header_at, ym, out, words, columns, posts)


SUBHEADER_NAME = ("姓名", "名字", "人员")


def _columns(grid, cells: Cells, h: int, words, columns, posts) -> tuple[int, list[str], dict[int, str],
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
        found[c] = override(columns, grid.name, letter(c)) or role_of(t, words)
    targets: dict[int, str] = {}
    for c, t in sub.items():
        if override(columns, grid.name, letter(c)):
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


def _parse_list(grid, cells: Cells, h: int, ym, out: ParsedRoster, words, columns, posts) -> None:
    first_row, header, roles, targets, mapping = _columns(grid, cells, h, words, columns, posts)
    out.columns += mapping
    not_understood = _unknown_people(grid, cells, h, first_row, header, roles, columns, out)
    date_col = next((c for c, r in roles.items() if r == "date"), None)
    if date_col is None:
        out.problems.append(Problem(grid.name, h + 1, "", "日期", "没有日期列", **said("no_date_column")))
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
        if is_footer(cells, r, texts):
            ended = True
            keep_footer(out, grid.name, cells, r)
            continue
        raw = cells.raw(r, date_col)
        continued = raw in (None, "") and day is not None
        if not continued:
            d, why = parse_day(cells.get(r, date_col), ym[0], ym[1], after=prev)
            if d is None:
                if ended or cells.merged_from_above(r, date_col):  # a merged date cell: said once, for its top row
                    continue
                out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col], why, **coded(why)))
                day = None
                continue
            if not ended and d == (day.day if day else None) and cells.merged_from_above(r, date_col):
                continued = True
            else:
                if (d.year, d.month) != ym:
                    out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col],
                                                f"{d.isoformat()} 不在{ym[0]}年{ym[1]}月",
                                                **said("date_outside_month", day=d.isoformat(), year=ym[0], month=ym[1])))
                    day = None
                    continue
                day, prev, ended = Day(d, sheet=grid.name, row=r + 1), d, False
                out.days.append(day)
                wd = trailing_weekday(cells.get(r, date_col))
                if wd is not None and wd != d.weekday():
                    out.problems.append(Problem(grid.name, r + 1, letter(date_col), header[date_col],
                                                f"{d.isoformat()} 是星期{WEEKDAY_ZH[d.weekday()]}，不是星期{WEEKDAY_ZH[wd]}",
                                                **said("weekday_mismatch", day=d.isoformat(), weekday=d.weekday(),
                                                       written=wd)))
        if day is None:
            continue
        _read_row(grid, cells, r, roles, header, day, out, check_weekday=not continued, targets=targets,
                  not_understood=not_understood)


def _unknown_people(grid, cells: Cells, h: int, first_row: int, header, roles: dict[int, str], columns,
                    out: ParsedRoster) -> set[int]:
    """The columns whose header is not understood (值班同志 in a unit that does not know the word) but whose cells
    name people: each is a problem naming its column until the clerk maps it (or ignores it), and a phone column
    beside it gives no phone to another post's people (its bare phones are most likely this column's people's).

    A column of names is said only while the sheet lacks an officer column, or when its cells carry phones, so
    that 值班地点 or 序号 beside a complete roster are left out as before."""
    found: set[int] = set()
    for c, text in enumerate(header):
        if not text or c in roles or override(columns, grid.name, letter(c)):
            continue
        named = phoned = False
        for r in range(first_row, len(cells.rows)):
            value = cells.raw(r, c)
            if value in (None, "") or is_footer(cells, r, cells.texts(r)):
                continue
            people, _ = people_in(value)
            named = named or bool(people)
            phoned = phoned or any(p.phone for p in people) or bool(PHONE.search(norm(value)))
        if phoned or named and "officer" not in roles.values():
            found.add(c)
            out.problems.append(Problem(grid.name, h + 1, letter(c), text,
                                        "未能识别此列：" + COLUMN_HINT + "（识别之前不从此列读取姓名和电话）",
                                        **said("column_unknown", column=letter(c), text=text)))
    return found


def _without_phone_words(text: str) -> str:
    t = squeeze(text)
    for w in HEADER_WORDS["phone"]:
        t = t.replace(w, "")
    return t


def _read_row(grid, cells: Cells, r: int, roles: dict[int, str], header, day: Day, out: ParsedRoster, *,
              check_weekday: bool, targets: dict[int, str],
              not_understood: set[int] = frozenset()) -> None:
    row_people: list[tuple[str, Named]] = []
    cols: list[int] = []  # the column of each of row_people
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
                                            f"{day.day.isoformat()} 是星期{WEEKDAY_ZH[day.day.weekday()]}，不是“{norm(value)}”",
                                            **said("weekday_not", day=day.day.isoformat(), weekday=day.day.weekday(),
                                                   text=norm(value))))
            continue
        if role == "note":
            if not cells.merged_from_above(r, c):
                day.add_note(as_typed(value))
            continue
        if role == "phone":
            named, bare, problems = phones_in(value)
            named_phones += named
            if bare:
                bare_phones.append((c, bare))
            for p in problems:
                out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], p, **coded(p)))
            continue
        people, problems = people_in(value)
        for p in problems:
            out.problems.append(Problem(grid.name, r + 1, letter(c), header[c], p, **coded(p)))
        if people:
            day.cells.setdefault(role, (r + 1, letter(c), header[c]))
            top = cells.owner.get((r, c), (r, c))[0]  # a merged cell is one mention, at its top row
            row_people += [(role, replace(p, where=(top + 1, letter(c)))) for p in people]
            cols += [c] * len(people)
    # Phones from the phone column go to the names they are written with, bare ones to the row's people
    # without a phone: one for each of them (or for each name left of the phone column, as dutydesk exports) in
    # the order of the names, otherwise officers before leaders (a 联系电话 column beside 值班员 is the officer's).
    phones = {p.name: p.phone for p in named_phones}
    unknown = [p.name for p in named_phones if p.name not in {q.name for _, q in row_people}]
    written = {p.phone for _, p in row_people if p.phone}
    lent = any(cells.get(r, c) not in (None, "") for c in not_understood)  # this row's people in a column not understood
    for c, bare in bare_phones:
        bare = [ph for ph in bare if ph not in written]  # the column repeating the phone in the name cell
        target = targets.get(c)
        if lent and target is None:
            continue  # the phones of the unknown column's people, never lent to the leader beside them
        lacking = [i for i, (role, p) in enumerate(row_people)
                   if not p.phone and p.name not in phones and (target is None or role == target)]
        left = [i for i in lacking if cols[i] < c]  # the names before the phone column, as dutydesk exports
        if len(bare) == len(left) and target is None:
            lacking = left
        elif len(bare) != len(lacking):
            lacking.sort(key=lambda i: row_people[i][0] == "leader")
        for i, ph in zip(lacking, bare):
            role, p = row_people[i]
            row_people[i] = (role, replace(p, phone=ph))
        if len(bare) > len(lacking):
            out.warnings.append(Problem(grid.name, r + 1, letter(c), header[c],
                                        f"电话 {'、'.join(bare[len(lacking):])} 无法对应到姓名，已忽略",
                                        **said("phones_unmatched", phones=tuple(bare[len(lacking):]))))
    for name in unknown:
        out.warnings.append(Problem(grid.name, r + 1, "", "电话", f"电话列中的“{name}”不在本行的值班人员中，已忽略",
                                    **said("phone_name_unknown", name=name)))
    for role, p in row_people:
        day.add(role, [replace(p, phone=p.phone or phones.get(p.name, ""))])


