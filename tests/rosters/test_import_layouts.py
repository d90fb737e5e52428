"""The roster files offices actually keep, imported: a corpus of layouts built here (openpyxl, xlwt for a
legacy .xls, CSV in GB18030 and UTF-8 with BOM), each imported into a unit and compared with the roster it
was written from — each day's people in the file's order, and each day's 备注."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
import xlwt
from openpyxl import Workbook, load_workbook

from core.spreadsheets import read_workbook
from models.directory import PersonCreate
from services.access import Actor
from services.directory import org
from services.rosters import excel, imports
from services.rosters import policy as pol
from services.rosters.views import month_view

BY = Actor.system("test")
TZ = "Asia/Shanghai"
NOW = datetime(2026, 10, 1, tzinfo=UTC)  # before every month of the corpus: no day served yet
LEADERS = {"张建国": "13900000001", "李明华": "13900000002", "王志强": "13900000003"}
OFFICERS = {"陈晓燕": "13900000011", "杨帆": "13900000012", "刘洋": "13900000013", "赵敏": "13900000014",
            "孙磊": "13900000015", "周婷": "13900000016"}
WEEK = "一二三四五六日"
FOOTER = "值班电话：0838-1234567（24小时）  传真：0838-1234568"


def staffed_town(engine) -> None:
    """高观镇 (code t1) with the leaders and officers of these files in its pools, committed on `engine`: what
    the CLI tests, which open their own sessions, import into."""
    from sqlmodel import Session

    from models.directory import UnitCreate

    with Session(engine) as s:
        town = org.create_unit(session=s, actor="test", data=UnitCreate(name="高观镇", code="t1"))
        made = {n: org.create_person(session=s, actor="test", data=PersonCreate(name=n, unit_id=town.id, mobile=m))
                for n, m in {**LEADERS, **OFFICERS}.items()}
        pol.ensure_default_posts(session=s, unit_id=town.id, actor="test")
        pol.set_pool(session=s, unit_id=town.id, post="leader", people=[made[n].id for n in LEADERS], by=BY)
        pol.set_pool(session=s, unit_id=town.id, post="officer", people=[made[n].id for n in OFFICERS], by=BY)
        s.commit()


def roster(year: int = 2026, month: int = 12) -> dict[date, tuple[list[str], list[str], str]]:
    """The roster every file of the corpus is written from: day -> (leaders, officers in order, 备注)."""
    leaders, officers = list(LEADERS), list(OFFICERS)
    first = date(year, month, 1)
    out = {}
    d = first
    while d.month == month:
        n = d.toordinal()
        two = d.weekday() >= 5 or d.day % 4 == 0  # weekends and some workdays have two officers
        offs = [officers[n % 6], officers[(n + 3) % 6]] if two else [officers[n % 6]]
        note = {24: "平安夜加强值守", 31: "跨年夜领导在岗"}.get(d.day, "") if month == 12 else ""
        out[d] = ([leaders[n % 3]], offs, note)
        d += timedelta(days=1)
    return out


EXPECTED = roster()


@pytest.fixture
def unit(session, directory):
    town = directory["town"]
    made = {name: org.create_person(session=session, actor="test", data=PersonCreate(
        name=name, unit_id=town.id, mobile=phone)) for name, phone in {**LEADERS, **OFFICERS}.items()}
    pol.ensure_default_posts(session=session, unit_id=town.id, actor="test")
    pol.set_pool(session=session, unit_id=town.id, post="leader", people=[made[n].id for n in LEADERS], by=BY)
    pol.set_pool(session=session, unit_id=town.id, post="officer", people=[made[n].id for n in OFFICERS], by=BY)
    session.commit()
    return town


def stored(session, unit, month: str = "2026-12") -> dict[date, tuple[list[str], list[str], str]]:
    view = month_view(session=session, unit_id=unit.id, month=month, tz=TZ, by=BY)
    return {d.day: ([x["name"] for x in d.posts.get("leader", [])], [x["name"] for x in d.posts.get("officer", [])],
                    view["notes"].get(d.day, "")) for d in view["days"]}


def do_import(session, unit, data: bytes, month: str | None = "2026-12", **kw):
    try:
        preview, rows = imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                                              tz=TZ, month=month, now=NOW, **kw)
    except excel.ImportRejected as exc:
        raise AssertionError("\n".join(p["text"] for p in exc.problems)) from exc
    session.commit()
    return preview, rows


def xlsx(build) -> bytes:
    wb = Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


def footer(ws, width: int) -> None:
    ws.append([FOOTER])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


def wd(d: date) -> str:
    return f"星期{WEEK[d.weekday()]}"


# -- the corpus: one builder per layout ---------------------------------------------------------------------

def county_one_row_per_day(wb):
    """The county office's December file: merged title, 12月01日, 带班领导 / 值班人员 / 联系电话 / 备注, footer."""
    ws = wb.active
    ws.title = "Sheet1"
    title(ws, "XX县人民政府办公室2026年12月值班表", 6)
    ws.append(["日期", "星期", "带班领导", "值班人员", "联系电话", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day:02d}日", wd(d), ls[0], "、".join(os_), "、".join(OFFICERS[o] for o in os_), note])
    footer(ws, 6)


def merged_day_over_officer_rows(wb):
    """12月1日, the date, weekday and leader cells merged over one row per officer; 值班领导 / 值班员."""
    ws = wb.active
    title(ws, "高观镇2026年12月份值班安排表", 5)
    ws.append(["日期", "星期", "值班领导", "值班员", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        top = ws.max_row + 1
        for i, o in enumerate(os_):
            ws.append([f"{d.month}月{d.day}日" if i == 0 else None, wd(d) if i == 0 else None,
                       ls[0] if i == 0 else None, o, note if i == 0 else None])
        if len(os_) > 1:
            for col in (1, 2, 3, 5):
                ws.merge_cells(start_row=top, start_column=col, end_row=ws.max_row, end_column=col)
    footer(ws, 5)


def dotted_dates_phones_in_names(wb):
    """12.1 typed as numbers (so 12.10 arrives as 12.1), 带班 / 值班干部 with phones in brackets in the cell."""
    ws = wb.active
    title(ws, "2026年12月值班表", 4)
    ws.append(["日期", "带班", "值班干部", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([float(f"12.{d.day}"), f"{ls[0]}（{LEADERS[ls[0]]}）",
                   "，".join(f"{o}（{OFFICERS[o]}）" for o in os_), note or None])


def slash_dates_space_phones(wb):
    """2026/12/1 as text, no title (the month is the sheet's name), '陈晓燕 13900000011' in the cell."""
    ws = wb.active
    ws.title = "2026年12月"
    ws.append(["值班日期", "带班领导", "值班人员（手机）", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"2026/{d.month}/{d.day}", ls[0], " ".join(f"{o} {OFFICERS[o]}" for o in os_), note])


def chinese_full_dates_mixed_separators(wb):
    """2026年12月1日 (星期二) in one cell, names separated by 、 ， / and spaces."""
    ws = wb.active
    title(ws, "某某街道办事处值班表", 3)
    ws.append(["日期", "带班领导", "值班人员", "备注"])
    seps = ["、", "，", "/", " "]
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"2026年12月{d.day}日（{wd(d)}）", ls[0], seps[d.day % 4].join(os_), note])


def excel_dates_three_rows_a_day(wb):
    """Real Excel dates; each day has three rows (leader, then officers), the date written on the first only."""
    ws = wb.active
    title(ws, "应急管理局2026年12月值班表", 4)
    ws.append(["日期", "星期", "值班人员", "带班领导", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([datetime(d.year, d.month, d.day), wd(d), os_[0], ls[0], note])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
        for o in os_[1:]:
            ws.append([None, None, o, None, None])
        ws.append([None, None, None, None, None]) if d.day % 7 == 0 else None  # a blank line now and then


def serial_numbers(wb):
    """Dates as bare Excel serial numbers (a column formatted as a number by mistake)."""
    ws = wb.active
    title(ws, "XX县2026年12月值班表", 3)
    ws.append(["日期", "带班领导", "值班员", "电话"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([(d - date(1899, 12, 30)).days, ls[0], "、".join(os_), OFFICERS[os_[0]]])


def extra_columns_and_subtitle(wb):
    """序号 and 值班地点 columns, a subtitle row, the header on row 3, full-width digits (１２月１日)."""
    ws = wb.active
    title(ws, "XX县人民政府办公室2026年12月值班表", 7)
    ws.append(["制表单位：县政府办公室", None, None, None, None, "制表日期：2026年11月20日"])
    ws.append(["序号", "值班日期", "值班地点", "值班员", "带班领导", "联系电话", "备注"])
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    for i, (d, (ls, os_, note)) in enumerate(EXPECTED.items(), start=1):
        ws.append([i, f"12月{d.day}日".translate(full), "县政府值班室", "、".join(os_), ls[0],
                   f"{os_[0]} {OFFICERS[os_[0]]}", note])
    ws.append(["注：1.值班人员须提前10分钟到岗；2.交接班时间为每日08:30。"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)


def phone_column_per_post(wb):
    """A phone column for each post (带班领导电话, 值班员电话): each phone belongs to its own post's person."""
    ws = wb.active
    title(ws, "2026年12月值班表", 6)
    ws.append(["日期", "带班领导", "带班领导电话", "值班员", "值班员电话", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([d.isoformat(), ls[0], LEADERS[ls[0]], "、".join(os_), "、".join(OFFICERS[o] for o in os_), note])


def two_row_header_name_and_phone(wb):
    """带班领导 and 值班人员 each merged over 姓名 | 电话 on a second header row; a 值班时间 column of hours."""
    ws = wb.active
    title(ws, "二〇二六年十二月份值班表", 7)
    ws.append(["值班时间", "日期", "带班领导", None, "值班人员", None, "备注"])
    ws.append([None, None, "姓名", "电话", "姓名", "电话", None])
    for col in (1, 2, 7):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for col in (3, 5):
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
    for d, (ls, os_, note) in EXPECTED.items():
        top = ws.max_row + 1
        for i, o in enumerate(os_):
            ws.append(["8:30-次日8:30" if i == 0 else None, f"12月{d.day}日" if i == 0 else None,
                       ls[0] if i == 0 else None, LEADERS[ls[0]] if i == 0 else None, o, OFFICERS[o],
                       note if i == 0 else None])
        if len(os_) > 1:
            for col in (1, 2, 3, 4, 7):
                ws.merge_cells(start_row=top, start_column=col, end_row=ws.max_row, end_column=col)


def slot_ranges_and_titles(wb):
    """Each slot written as a range (12月1日8:30至12月2日8:30), leaders with their titles (张建国 副县长)."""
    ws = wb.active
    title(ws, "XX县2026年12月领导带班和干部值班安排", 4)
    ws.append(["值班日期", "带班领导", "值班人员", "备注"])
    titles = {"张建国": "副县长", "李明华": "县委常委", "王志强": "县政府办主任"}
    for d, (ls, os_, note) in EXPECTED.items():
        nxt = d + timedelta(days=1)
        ws.append([f"{d.month}月{d.day}日8:30至{nxt.month}月{nxt.day}日8:30", f"{ls[0]} {titles[ls[0]]}",
                   "、".join(os_), note])


def week_grid(wb):
    """A row of dates per week (bare day numbers, Nov 30 and Jan 1-3 at the edges), people below, labelled."""
    ws = wb.active
    title(ws, "XX镇2026年12月值班表", 8)
    ws.append(["", *(f"星期{w}" for w in WEEK)])
    monday = date(2026, 11, 30)
    while monday <= date(2026, 12, 31):
        days = [monday + timedelta(days=i) for i in range(7)]
        ws.append(["日期", *(d.day for d in days)])
        ws.append(["带班领导", *(EXPECTED[d][0][0] if d in EXPECTED else "外月" for d in days)])
        ws.append(["值班员", *("、".join(EXPECTED[d][1]) if d in EXPECTED else None for d in days)])
        ws.append(["备注", *(EXPECTED[d][2] or None if d in EXPECTED else None for d in days)])
        monday += timedelta(days=7)
    footer(ws, 8)


def week_grid_labelled_weeks(wb):
    """Week grid with 周一…周日, a merged 第N周 column, dates written 12月1日, names padded 张　三 style."""
    ws = wb.active
    title(ws, "县应急局值班表（2026年12月）", 9)
    ws.append(["周次", "项目", *(f"周{w}" for w in WEEK)])
    monday, n = date(2026, 11, 30), 1
    while monday <= date(2026, 12, 31):
        days = [monday + timedelta(days=i) for i in range(7)]
        top = ws.max_row + 1
        ws.append([f"第{n}周", "日期", *(f"{d.month}月{d.day}日" for d in days)])
        ws.append([None, "值班领导", *(pad(EXPECTED[d][0][0]) if d in EXPECTED else None for d in days)])
        ws.append([None, "值班人员", *("、".join(pad(o) for o in EXPECTED[d][1]) if d in EXPECTED else None
                                   for d in days)])
        ws.merge_cells(start_row=top, start_column=1, end_row=ws.max_row, end_column=1)
        monday, n = monday + timedelta(days=7), n + 1


def pad(name: str) -> str:
    return name[0] + "\u3000" + name[1] if len(name) == 2 else name


def sheet_per_month(wb):
    """One workbook, a sheet per month (11月, 12月), the year in each title."""
    wb.remove(wb.active)
    for month in (11, 12):
        ws = wb.create_sheet(f"{month}月")
        title(ws, f"高观镇2026年{month}月值班表", 4)
        ws.append(["日期", "星期", "带班领导", "值班员"])
        for d, (ls, os_, _) in roster(2026, month).items():
            ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_)])


XLSX_LAYOUTS = [county_one_row_per_day, merged_day_over_officer_rows, dotted_dates_phones_in_names,
                slash_dates_space_phones, chinese_full_dates_mixed_separators, excel_dates_three_rows_a_day,
                serial_numbers, extra_columns_and_subtitle, phone_column_per_post, two_row_header_name_and_phone,
                slot_ranges_and_titles, week_grid, week_grid_labelled_weeks]
WITH_NOTES = {county_one_row_per_day, merged_day_over_officer_rows, dotted_dates_phones_in_names,
              slash_dates_space_phones, chinese_full_dates_mixed_separators, excel_dates_three_rows_a_day,
              extra_columns_and_subtitle, phone_column_per_post, two_row_header_name_and_phone, slot_ranges_and_titles,
              week_grid}


def without_notes(r: dict) -> dict:
    return {d: (ls, os_, "") for d, (ls, os_, _) in r.items()}


@pytest.mark.parametrize("build", XLSX_LAYOUTS, ids=lambda f: f.__name__)
def test_each_layout_imports_as_written(session, unit, build):
    preview, rows = do_import(session, unit, xlsx(build))
    assert [r.month for r in rows] == ["2026-12"]
    assert stored(session, unit) == (EXPECTED if build in WITH_NOTES else without_notes(EXPECTED))
    assert not [w.text for w in preview.warnings if "电话" in w.message]  # every phone found its person


def test_a_workbook_with_a_sheet_per_month_imports_every_month(session, unit):
    preview, rows = do_import(session, unit, xlsx(sheet_per_month), month=None)
    assert [r.month for r in rows] == ["2026-11", "2026-12"]
    assert stored(session, unit, "2026-11") == without_notes(roster(2026, 11))
    assert stored(session, unit) == without_notes(EXPECTED)
    # With a month chosen, only that sheet is taken; the other is named as left out.
    preview = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(xlsx(sheet_per_month)),
                                     by=BY, month="2026-11", now=NOW)
    assert preview.ok and preview.months == ["2026-11"]
    assert any(w.sheet == "12月" and "已跳过" in w.message for w in preview.warnings)


def legacy_xls() -> bytes:
    """A legacy .xls (BIFF8, as Excel 2003 and WPS save it) with the date and leader merged over two rows."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("2026年12月")
    ws.write_merge(0, 0, 0, 4, "XX县人民政府办公室2026年12月值班表")
    for c, h in enumerate(["日期", "星期", "带班领导", "值班员", "备注"]):
        ws.write(1, c, h)
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    r = 2
    for d, (ls, os_, note) in EXPECTED.items():
        span = len(os_)
        ws.write_merge(r, r + span - 1, 0, 0, datetime(d.year, d.month, d.day), dates)
        ws.write_merge(r, r + span - 1, 1, 1, wd(d))
        ws.write_merge(r, r + span - 1, 2, 2, ls[0])
        ws.write_merge(r, r + span - 1, 4, 4, note)
        for i, o in enumerate(os_):
            ws.write(r + i, 3, o)
        r += span
    ws.write_merge(r, r, 0, 4, FOOTER)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_legacy_xls_imports(session, unit):
    data = legacy_xls()
    assert data[:4] == b"\xd0\xcf\x11\xe0"
    do_import(session, unit, data)
    assert stored(session, unit) == EXPECTED


def csv_bytes(encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["2026年12月值班表"])
    w.writerow(["日期", "星期", "值班领导", "值班人员", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        w.writerow([d.isoformat(), wd(d), ls[0], "、".join(os_), note])
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_and_utf8_imports(session, unit, encoding):
    data = csv_bytes(encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8: what Excel saves as CSV on a Chinese Windows
    do_import(session, unit, data)
    assert stored(session, unit) == EXPECTED


def test_a_csvs_problem_is_named_by_the_file_not_a_worksheet(session, unit):
    """A CSV has no worksheets: its problems read CSV 文件第N行 (the clerk-tester saw 工作表“csv”)."""
    text = csv_bytes("utf-8").decode().replace("2026-12-05", "2026-12-45")
    p = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(text.encode()), by=BY,
                               month="2026-12", now=NOW)
    texts = [x.text for x in p.problems]
    assert any(t.startswith("CSV 文件第7行A列（日期）") for t in texts) and not any("工作表" in t for t in texts), texts


def inline_string_xlsx() -> bytes:
    """A minimal .xlsx as other writers (WPS, exporters) save it: inline strings, no styles, no shared strings."""
    rows = [["2026年12月值班表"], ["日期", "带班领导", "值班员", "备注"]]
    rows += [[d.isoformat(), ls[0], "、".join(os_), note] for d, (ls, os_, note) in EXPECTED.items()]

    def cell(r, c, v):
        ref = f"{'ABCD'[c]}{r}"
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>' if v else ""
    body = "".join(f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(rows, start=1))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="值班表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_an_xlsx_with_inline_strings_imports(session, unit):
    do_import(session, unit, inline_string_xlsx())
    assert stored(session, unit) == EXPECTED


def cells_of(data: bytes) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def test_export_then_import_is_identical_keeping_order_and_notes(client, tokens, session, unit):
    """The product's own export is one more layout: officers in the day's order and 备注 survive the trip."""
    do_import(session, unit, xlsx(county_one_row_per_day))
    url = f"/api/rosters/{unit.id}/2026-12"
    first = client.get(f"{url}/export.xlsx", headers=tokens["duty_officer"])
    assert first.status_code == 200
    rows = cells_of(first.content)
    assert rows[1][-1] == "备注" and rows[1 + 24][-1] == "平安夜加强值守"
    two = next(d for d, (_, os_, _) in EXPECTED.items() if len(os_) == 2)
    assert rows[1 + two.day][3] == "、".join(EXPECTED[two][1])
    r = client.post(f"{url}/import", headers=tokens["unit_reporter"], files={"file": ("r.xlsx", first.content)})
    assert r.status_code == 200, r.text
    session.expire_all()
    assert stored(session, unit) == EXPECTED
    again = client.get(f"{url}/export.xlsx", headers=tokens["duty_officer"])
    assert cells_of(again.content) == rows
