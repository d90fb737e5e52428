"""Roster files an office keeps by week, one row per week and a column per weekday, each cell giving its day
and the people ('1.4 林秀英', '12月1日\n林秀英（13900000000）'), sometimes with a 带班领导 row under each week;
a re-import of the same file changes nothing; a phone with a digit missing is named, never dropped."""

from __future__ import annotations

from datetime import date, timedelta

import lxml.html
import pytest
from sqlmodel import func, select

from core.spreadsheets import read_workbook
from models.audit import AuditEntry
from services.rosters import excel, imports
from services.rosters.publish import publish
from tests.rosters.test_import_layouts import (BY, EXPECTED, LEADERS, NOW, OFFICERS, TZ, WEEK,  # noqa: F401
                                               county_one_row_per_day, do_import, footer, stored, title, unit,
                                               without_notes, xlsx)


def _weeks():
    monday = date(2026, 11, 30)
    while monday <= date(2026, 12, 31):
        yield [monday + timedelta(days=i) for i in range(7)]
        monday += timedelta(days=7)


def week_rows_dotted(wb, *, cell=None):
    """Merged title, 周次 | 星期一…星期日; per week a row '第N周' of '12.1 陈晓燕、杨帆' cells (Nov 30 and Jan 1-3
    at the edges, people the unit does not have), then a 带班领导 row."""
    ws = wb.active
    title(ws, "XX镇人民政府2026年12月值班安排表", 8)
    ws.append(["周次", *(f"星期{w}" for w in WEEK)])
    for n, days in enumerate(_weeks(), start=1):
        ws.append([f"第{n}周", *((cell or _dotted)(d) for d in days)])
        ws.append(["带班领导", *(EXPECTED[d][0][0] if d in EXPECTED else "外月领导" for d in days)])
    footer(ws, 8)


def _dotted(d: date) -> str:
    return f"{d.month}.{d.day} " + ("、".join(EXPECTED[d][1]) if d in EXPECTED else "外月人员")


def week_rows_with_phones(wb):
    """No title column: a blank corner, cells '12月1日\n陈晓燕（13900000011）', a 值班领导 row labelled in B
    beneath a merged 第N周 cell in A."""
    ws = wb.active
    title(ws, "县应急管理局2026年12月值班表", 9)
    ws.append(["", "", *(f"星期{w}" for w in WEEK)])
    for n, days in enumerate(_weeks(), start=1):
        top = ws.max_row + 1
        ws.append([f"第{n}周", None, *(f"{d.month}月{d.day}日\n" + "、".join(f"{o}（{OFFICERS[o]}）" for o in EXPECTED[d][1])
                                     if d in EXPECTED else None for d in days)])
        ws.append([None, "值班领导", *(f"{EXPECTED[d][0][0]}（{LEADERS[EXPECTED[d][0][0]]}）" if d in EXPECTED else None
                                   for d in days)])
        ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)


@pytest.mark.parametrize("build", [week_rows_dotted, week_rows_with_phones], ids=lambda f: f.__name__)
def test_a_week_grid_with_the_day_in_each_cell_imports_as_written(session, unit, build):
    preview, rows = do_import(session, unit, xlsx(build))
    assert preview.parsed.layouts == {"Sheet": "week"}
    assert [r.month for r in rows] == ["2026-12"]
    assert stored(session, unit) == without_notes(EXPECTED)
    assert not preview.warnings


def test_a_bad_cell_of_a_week_row_is_named_by_its_row_and_weekday(session, unit):
    wrong = date(2026, 12, 9)  # a Wednesday of the second week: title, header, two rows a week -> row 5

    def cell(d: date) -> str:
        if d == wrong:
            return "12.9 陈晓燕（1390000001）"  # a mobile a digit short
        if d == wrong + timedelta(days=1):
            return "12.11 杨帆"  # the Thursday column holding Friday's date
        return _dotted(d)

    data = xlsx(lambda wb: week_rows_dotted(wb, cell=cell))
    with pytest.raises(excel.ImportRejected) as exc:
        imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, tz=TZ,
                              month="2026-12", now=NOW)
    texts = [p["text"] for p in exc.value.problems]
    assert "工作表“Sheet”第5行D列（星期三）：第2周：“陈晓燕”的电话 1390000001 有误：手机号应为 11 位，这里是 10 位" in texts
    assert any(t.startswith("工作表“Sheet”第5行E列（星期四）：2026-12-11 是星期五") for t in texts), texts
    assert not any(ls or os_ for ls, os_, _ in stored(session, unit).values())  # nothing written


def test_a_row_the_reader_does_not_know_is_named_at_its_label_column(session, unit):
    def build(wb):
        week_rows_with_phones(wb)
        wb.active.append([None, "值班地点", *["值班室"] * 7])

    preview = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(xlsx(build)), by=BY,
                                     month="2026-12", now=NOW)
    assert preview.ok, [p.text for p in preview.problems]
    assert [w.text for w in preview.warnings] == ["工作表“Sheet”第13行B列（值班地点）：无法识别此行，已忽略"]


def _imports(session) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")).one()


def test_importing_the_same_file_again_changes_nothing(client, tokens, session, unit):
    data = xlsx(county_one_row_per_day)
    do_import(session, unit, data)
    publish(session=session, unit_id=unit.id, month="2026-12", now=NOW, by=BY)
    session.commit()
    audited = _imports(session)
    preview, rows = do_import(session, unit, data)
    assert preview.unchanged == ["2026-12"] and rows[0].version == 1  # still the published version 1
    assert _imports(session) == audited
    r = client.post(f"/api/rosters/{unit.id}/import?dry_run=false", headers=tokens["duty_officer"],
                    files={"file": ("值班表.xlsx", data)})
    assert r.status_code == 200, r.text
    month = r.json()["months"][0]
    assert month["unchanged"] and month["message"] == "与现有排班相同，未更改" and month["version"] == 1
    # One changed day is a change: a new version.
    other = next(o for o in OFFICERS if o not in EXPECTED[date(2026, 12, 1)][1])
    edited = xlsx(lambda wb: (county_one_row_per_day(wb), wb.active.cell(3, 4, other), wb.active.cell(3, 5, None)))
    preview, rows = do_import(session, unit, edited)
    assert preview.unchanged == [] and rows[0].version == 2
    assert stored(session, unit)[date(2026, 12, 1)][1] == [other]


def test_a_ten_digit_phone_in_the_phone_column_is_a_problem_of_its_row(session, unit):
    def build(wb):
        county_one_row_per_day(wb)
        wb.active.cell(4, 5, "1390000001")  # 12月2日's phone, a digit missing

    with pytest.raises(AssertionError) as exc:
        do_import(session, unit, xlsx(build))
    assert str(exc.value) == "工作表“Sheet1”第4行E列（联系电话）：电话 1390000001 有误：手机号应为 11 位，这里是 10 位"


def test_an_unlabelled_row_of_dated_cells_is_shown_in_the_mapping_and_can_be_corrected(session, unit):
    def build(wb):
        week_rows_dotted(wb)
        for row in wb.active.iter_rows(min_row=3):
            if str(row[0].value or "").startswith("第"):
                row[0].value = None  # no 第N周 label: the row is known by its dated cells alone

    sheets = read_workbook(xlsx(build))
    preview = imports.preview_import(session=session, unit_id=unit.id, sheets=sheets, by=BY, month="2026-12", now=NOW)
    assert preview.ok, [p.text for p in preview.problems]
    assert {(c.column, c.role) for c in preview.parsed.columns if not c.role.startswith("weekday:")} == {
        ("日期与人员", "officer"), ("带班领导", "leader")}
    wrong = imports.preview_import(session=session, unit_id=unit.id, sheets=sheets, by=BY, month="2026-12", now=NOW,
                                   columns={"日期与人员": "leader"})
    assert any("缺少值班员行" in p.text for p in wrong.problems)  # the correction applies to every such row


def test_the_console_says_when_an_upload_changes_nothing(client, users, session, unit):
    from tests.conftest import PASSWORD
    from web.console.forms import FLASH_COOKIE, read_flash

    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/rosters/{unit.id}/2026-12/upload"
    flashes = []
    for _ in range(2):
        r = client.post(url, data={"csrf_token": csrf}, files={"file": ("值班表.xlsx", xlsx(county_one_row_per_day))},
                        headers={"accept": "text/html"})
        token = r.text.split('name="token" value="')[1].split('"')[0]
        r = client.post(url, data={"csrf_token": csrf, "token": token, "confirm": "1"}, follow_redirects=False)
        flashes.append(read_flash(r.cookies.get(FLASH_COOKIE)))
    assert flashes[0]["notice"].startswith("已导入 2026年12月 高观镇 值班表：31 天")
    assert flashes[1] == {"notice": "import_unchanged"}
    shown = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"}).text
    assert "与现有排班相同，未更改" in shown


# -- cells that label their people: '带班：张三\n值班：李四、王五' -------------------------------------------------

def week_labelled_cells_under_dates(wb):
    """A 日期 row per week, then one row whose cells say who is what ('带班：张建国\\n值班：陈晓燕、杨帆'), labelled
    值班人员 in A (the office's word for the whole row, leaders included)."""
    ws = wb.active
    title(ws, "XX镇2026年12月值班表", 8)
    ws.append(["", *(f"星期{w}" for w in WEEK)])
    for days in _weeks():
        ws.append(["日期", *(f"{d.month}月{d.day}日" for d in days)])
        ws.append(["值班人员", *(f"带班：{EXPECTED[d][0][0]}\n值班：{'、'.join(EXPECTED[d][1])}" if d in EXPECTED else None
                             for d in days)])
    footer(ws, 8)


def week_labelled_cells_one_row_a_week(wb):
    """One row per week and nothing else: each cell its day, then '带班:张建国 值班:陈晓燕、杨帆' on one line, a
    merged 第N周 cell in A."""
    ws = wb.active
    title(ws, "县自然资源局2026年12月值班安排", 8)
    ws.append(["周次", *(f"周{w}" for w in WEEK)])
    for n, days in enumerate(_weeks(), start=1):
        ws.append([f"第{n}周", *(f"{d.month}.{d.day}\n带班:{EXPECTED[d][0][0]} 值班:{'、'.join(EXPECTED[d][1])}"
                                if d in EXPECTED else None for d in days)])


@pytest.mark.parametrize("build", [week_labelled_cells_under_dates, week_labelled_cells_one_row_a_week],
                         ids=lambda f: f.__name__)
def test_a_week_grid_whose_cells_label_their_people_imports_each_to_its_post(session, unit, build):
    preview, rows = do_import(session, unit, xlsx(build))
    assert preview.parsed.layouts == {"Sheet": "week"}
    assert stored(session, unit) == without_notes(EXPECTED)  # 带班 the leader, 值班 the officers, in order
    assert {(c.column, c.role) for c in preview.parsed.columns} >= {("带班", "leader"), ("值班", "officer")}
    assert not preview.warnings, [w.text for w in preview.warnings]


def test_a_cell_label_can_be_corrected_in_the_mapping(session, unit):
    """The mapping shows a cell's label (带班) like a row label; correcting it applies to every cell."""
    sheets = read_workbook(xlsx(week_labelled_cells_under_dates))
    p = imports.preview_import(session=session, unit_id=unit.id, sheets=sheets, by=BY, month="2026-12", now=NOW,
                               columns={"带班": "ignore"})
    assert all(not d["posts"]["leader"] for d in p.days)
    assert all([x["name"] for x in d["posts"]["officer"]] == EXPECTED[d["day"]][1] for d in p.days)


def week_officers_only(wb):
    """A week grid of officers alone: a 日期 row and a 值班员 row per week, no 带班领导 anywhere."""
    ws = wb.active
    title(ws, "XX局2026年12月值班表", 8)
    ws.append(["", *(f"星期{w}" for w in WEEK)])
    for days in _weeks():
        ws.append(["日期", *(d.day for d in days)])
        ws.append(["值班员", *("、".join(EXPECTED[d][1]) if d in EXPECTED else None for d in days)])


def list_officers_only(wb):
    """The daily layout of officers alone: 日期 | 星期 | 值班人员."""
    ws = wb.active
    title(ws, "XX局2026年12月值班表", 3)
    ws.append(["日期", "星期", "值班人员"])
    for d, (_, os_, _) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", f"星期{WEEK[d.weekday()]}", "、".join(os_)])


@pytest.mark.parametrize("build", [week_officers_only, list_officers_only], ids=lambda f: f.__name__)
def test_a_roster_of_officers_only_imports_with_the_leader_left_empty(session, unit, build):
    preview, rows = do_import(session, unit, xlsx(build))
    assert [r.month for r in rows] == ["2026-12"]
    assert stored(session, unit) == {d: ([], os_, "") for d, (_, os_, _) in EXPECTED.items()}
    what = "行" if build is week_officers_only else "列"
    assert [w.text for w in preview.warnings] == [
        f"工作表“Sheet”（表头）：没有带班领导{what}：带班领导留空，导入后请在值班表中补排"]


def test_a_leader_row_with_an_empty_day_is_still_a_problem(session, unit):
    """Leaving the leader out is the whole file's choice: a 带班领导 row with a day left blank is a day missing."""
    def build(wb):
        week_rows_dotted(wb)
        wb.active["C4"] = None  # 带班领导 of Tuesday 12月1日

    with pytest.raises(AssertionError, match="2026-12-01 没有带班领导"):
        do_import(session, unit, xlsx(build))


# -- one row per week, the week's range in column A: '第1周\n12月1日-12月6日' -----------------------------------

def _week_range(n: int, days: list[date], style: str) -> str:
    inside = [d for d in days if d in EXPECTED]
    a, b = inside[0], inside[-1]
    return {"label_newline": f"第{n}周\n{a.month}月{a.day}日-{b.month}月{b.day}日",
            "range_only": f"{a.month}月{a.day}日—{b.month}月{b.day}日",
            "dotted_in_brackets": f"第{n}周（{a.month}.{a.day}-{b.month}.{b.day}）"}[style]


def week_ranges_in_column_a(wb, style: str = "label_newline", *, monday_cell=None):
    """周次 | 星期一 … 星期日; each row one week, column A its number and range (12月1日 is a Tuesday: week 1 runs
    12月1日-12月6日 and its 星期一 is empty), each cell '带班：沈海燕\\n值班：郭志强'."""
    ws = wb.active
    title(ws, "XX镇2026年12月值班表", 8)
    ws.append(["周次", *(f"星期{w}" for w in WEEK)])
    for n, days in enumerate(_weeks(), start=1):
        ws.append([_week_range(n, days, style),
                   *(f"带班：{EXPECTED[d][0][0]}\n值班：{'、'.join(EXPECTED[d][1])}" if d in EXPECTED
                     else (monday_cell if d == date(2026, 11, 30) else None) for d in days)])
    footer(ws, 8)


@pytest.mark.parametrize("style", ["label_newline", "range_only", "dotted_in_brackets"])
def test_a_week_per_row_with_its_range_in_column_a_imports_each_day(session, unit, style):
    preview, rows = do_import(session, unit, xlsx(lambda wb: week_ranges_in_column_a(wb, style)))
    assert preview.parsed.layouts == {"Sheet": "week"}
    assert [r.month for r in rows] == ["2026-12"]
    assert stored(session, unit) == without_notes(EXPECTED)
    # Column A names the weeks: it is not a column of 值班员.
    assert {(c.column, c.role) for c in preview.parsed.columns if not c.role.startswith("weekday:")} == {
        ("日期与人员", "officer"), ("带班", "leader"), ("值班", "officer")}
    assert not preview.warnings, [w.text for w in preview.warnings]


def test_the_monday_of_a_week_that_starts_in_november_is_novembers(session, unit):
    """Week 1's 星期一 is 11月30日: people written there belong to November's roster, not a problem."""
    data = xlsx(lambda wb: week_ranges_in_column_a(wb, monday_cell="带班：外月领导\n值班：外月人员"))
    preview, rows = do_import(session, unit, data)
    assert stored(session, unit) == without_notes(EXPECTED)


def test_a_week_range_that_is_not_one_week_is_named_at_its_cell(session, unit):
    def build(wb):
        week_ranges_in_column_a(wb)
        wb.active["A4"] = "第2周\n12月7日-12月20日"

    with pytest.raises(AssertionError) as exc:
        do_import(session, unit, xlsx(build))
    assert str(exc.value).splitlines()[0] == (
        "工作表“Sheet”第4行A列（第2周 12月7日-12月20日）：“12月7日-12月20日”不是同一周的日期范围")
    assert not any(ls or os_ for ls, os_, _ in stored(session, unit).values())  # nothing written


def test_a_cell_outside_its_weeks_range_is_a_problem(session, unit):
    def build(wb):
        week_ranges_in_column_a(wb)
        wb.active["A4"] = "第2周\n12月8日-12月13日"  # leaves 星期一 12月7日, whose cell is filled, out

    with pytest.raises(AssertionError) as exc:
        do_import(session, unit, xlsx(build))
    assert "工作表“Sheet”第4行B列（星期一）：12月7日不在本周“第2周 12月8日-12月13日”的日期范围内" in str(exc.value)


def week_date_rows_labelled(wb):
    """Per week a date row labelled '第N周' in A with the day numbers under the weekdays, then 带班领导 and
    值班员 rows."""
    ws = wb.active
    title(ws, "XX镇2026年12月值班表", 8)
    ws.append(["周次", *(f"星期{w}" for w in WEEK)])
    for n, days in enumerate(_weeks(), start=1):
        ws.append([f"第{n}周", *(f"{d.month}月{d.day}日" if d in EXPECTED else None for d in days)])
        ws.append(["带班领导", *(EXPECTED[d][0][0] if d in EXPECTED else None for d in days)])
        ws.append(["值班员", *("、".join(EXPECTED[d][1]) if d in EXPECTED else None for d in days)])


def test_a_date_row_labelled_with_its_week_number_is_read_as_the_weeks_dates(session, unit):
    preview, rows = do_import(session, unit, xlsx(week_date_rows_labelled))
    assert stored(session, unit) == without_notes(EXPECTED)
    assert not preview.warnings, [w.text for w in preview.warnings]


# -- the mapping a week grid shows: rows -> posts, weekday columns -> dates ----------------------------------

def test_the_console_shows_a_week_grids_rows_as_posts_and_its_weekday_columns_as_dates(client, users, session, unit):
    """The mapping used to list 带班领导 / 值班员 (row labels) under 列 as if they were columns."""
    from tests.rosters.test_import_console import _open
    from tests.rosters.test_import_layouts import week_grid

    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(week_grid))}, headers={"accept": "text/html"})
    assert r.status_code == 200
    page = lxml.html.fromstring(r.text)
    assert not page.xpath('//*[@id="import-columns"]')  # no 列 table of row labels
    rows = page.get_element_by_id("import-week-rows-1")
    assert "各行对应的岗位" in rows.find("caption").text_content()
    picked = {tr.xpath("td")[0].text_content(): tr.xpath(".//option[@selected]")[0].text_content()
              for tr in rows.xpath("tbody/tr")}
    assert picked == {"日期": "日期", "带班领导": "带班领导", "值班员": "值班员", "备注": "备注"}
    assert {s.get("name") for s in rows.iter("select")} == {f"col:Sheet!{x}" for x in picked}  # corrected by label
    dates = {tr.xpath("td")[1].text_content(): (tr.xpath("td")[0].text_content(), tr.xpath("td")[2].text_content())
             for tr in page.get_element_by_id("import-week-dates-1").xpath("tbody/tr")}
    assert dates["星期一"] == ("B", "12月7日、14日、21日、28日")  # Nov 30 is November's: not this month's
    assert dates["星期二"] == ("C", "12月1日、8日、15日、22日、29日")


def test_the_cli_dry_run_shows_a_week_grids_rows_and_the_dates_of_its_columns(cli_db, tmp_path):
    from tests.conftest import run_cli
    from tests.rosters.test_import_layouts import staffed_town, week_grid

    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(xlsx(week_grid))
    r = run_cli("roster", "import", path, "--unit", "t1", "--month", "2026-12", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "行 工作表“Sheet”中标为“带班领导”的行：带班领导" in r.output
    assert "行 工作表“Sheet”中标为“值班员”的行：值班员" in r.output
    assert "列 Sheet!B（星期一）→ 日期 12月7日、14日、21日、28日" in r.output
    assert "列 Sheet!带班领导" not in r.output
