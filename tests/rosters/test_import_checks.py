"""What the clerk is told before a roster import writes anything: problems by sheet, row and column in zh-CN,
names missing from the directory (created on request), phones that differ, a unit without posts, a file too
large to open; the preview through the API, the console (with its confirm button) and the CLI."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from core.spreadsheets import Limits, SpreadsheetRejected, read_workbook
from models.directory import Person
from models.rosters.roster import RosterSlot
from services.rosters import excel, imports
from services.rosters import policy as pol
from tests.conftest import PASSWORD, run_cli
from tests.rosters.test_import_layouts import staffed_town
from tests.rosters.test_import_layouts import (BY, EXPECTED, NOW, OFFICERS, county_one_row_per_day, stored,  # noqa: F401
                                                unit, wd, xlsx)
from web.console.forms import FLASH_COOKIE, read_flash


def slots(session, unit) -> int:
    return session.exec(select(func.count()).select_from(RosterSlot).where(RosterSlot.unit_id == unit.id)).one()


def edited(**cells) -> bytes:
    """The county layout with some cells changed ('C5': value)."""
    def build(wb):
        county_one_row_per_day(wb)
        for ref, value in cells.items():
            wb.active[ref] = value
    return xlsx(build)


def preview(session, unit, data: bytes, **kw):
    return imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                                  month="2026-12", now=NOW, **kw)


def test_problems_name_sheet_row_and_column_in_chinese_and_nothing_is_written(session, unit):
    data = edited(A5="12月45日", B6="星期日", C7="不存在的人", D8="张建国")  # rows 5-8: Dec 3-6
    p = preview(session, unit, data)
    texts = [x.text for x in p.problems]
    assert "工作表“Sheet1”第5行A列（日期）：“12月45日”不是有效日期" in texts
    assert any(t.startswith("工作表“Sheet1”第6行B列（星期）：2026-12-04 是星期五") for t in texts)
    assert any(t.startswith("工作表“Sheet1”第7行C列（带班领导）：“不存在的人”不在本单位通讯录中") for t in texts)
    assert any(t.startswith("工作表“Sheet1”第8行D列（值班人员）：“张建国”不在值班员的轮换人员中（1 天）：可选择“加入轮换人员”")
               for t in texts), texts
    with pytest.raises(excel.ImportRejected):
        imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, tz="Asia/Shanghai",
                              month="2026-12", now=NOW)
    assert slots(session, unit) == 0


def test_a_missing_day_and_a_day_without_a_leader_are_problems(session, unit):
    p = preview(session, unit, edited(C10=None, A33=None, B33=None, D33=None, E33=None, F33=None))
    texts = [x.text for x in p.problems]
    assert any("第10行" in t and "没有带班领导" in t for t in texts)
    assert any("缺少 1 天：12月31日" in t for t in texts)


def test_people_missing_from_the_directory_are_created_on_request(session, unit):
    data = edited(D4="新同志 13911112222")  # Dec 2: a name the directory lacks, with a phone
    p = preview(session, unit, data)
    assert not p.ok and [(m.name, m.phone) for m in p.missing] == [("新同志", "13911112222")]
    p, _ = imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                                 tz="Asia/Shanghai", month="2026-12", create_missing=True, now=NOW)
    session.commit()
    person = session.exec(select(Person).where(Person.name == "新同志")).one()
    assert person.mobile == "13911112222" and person.unit_id == unit.id
    assert str(person.id) in pol.pools_of(session, unit.id)["officer"]
    day = stored(session, unit)[min(EXPECTED).replace(day=2)]
    assert day[1] == ["新同志"]


def test_two_new_names_in_one_cell_without_phones_are_created(session, unit):
    """Two names in one cell ("王小明、李小红"): neither in the directory, no phone written; both created (a tester's 500)."""
    data = edited(D4="王小明、李小红", E4=None)  # the row's phone cleared: the old officer's phone is not theirs
    imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                          tz="Asia/Shanghai", month="2026-12", create_missing=True, now=NOW)
    session.commit()
    made = {p.name: p.mobile for p in session.exec(select(Person).where(col(Person.name).in_(["王小明", "李小红"])))}
    assert made == {"王小明": "", "李小红": ""}
    assert stored(session, unit)[min(EXPECTED).replace(day=2)][1] == ["王小明", "李小红"]


def test_a_phone_column_repeating_the_phone_in_the_name_cell_is_no_warning(session, unit):
    """The printed layout '刘洋（13900000013）' | '13900000013': the same number twice is not an unmatched phone."""
    p = preview(session, unit, edited(D4="刘洋（13900000013）"))
    assert not [x.text for x in p.warnings if "第4行" in x.text], [x.text for x in p.warnings]
    p = preview(session, unit, edited(D4="刘洋（13900000013）", E4="13900000099"))  # another number: still said
    assert [x.text for x in p.warnings if "第4行" in x.text and "13900000099" in x.text]


def test_a_new_person_whose_phone_is_already_someone_elses_mobile_is_refused(session, unit):
    """A copy-paste slip: the new name's phone is 张建国's mobile. Creating 孟凡 with it would ring 张建国 for 孟凡's
    spot checks and notifications; the import names it at the cell and writes nothing."""
    taken = next(m for n, m in OFFICERS.items() if m)
    owner = next(n for n, m in OFFICERS.items() if m == taken)
    data = edited(D4=f"孟凡（{taken}）")
    p = preview(session, unit, data, create_missing=True)
    texts = [x.text for x in p.problems]
    assert any(t.startswith("工作表“Sheet1”第4行D列") and f"“孟凡”的电话 {taken} 已是通讯录中“{owner}”的手机号" in t
               for t in texts), texts
    with pytest.raises(excel.ImportRejected):
        imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                              tz="Asia/Shanghai", month="2026-12", create_missing=True, now=NOW)
    assert session.exec(select(func.count()).select_from(Person).where(Person.name == "孟凡")).one() == 0


def test_a_person_of_another_unit_is_named_as_such_and_never_created_twice(session, unit, directory):
    from models.directory import PersonCreate
    from services.directory import org

    org.create_person(session=session, actor="test", data=PersonCreate(name="吴春梅", unit_id=directory["hub"].id))
    session.commit()
    data = edited(D4="吴春梅")
    p = preview(session, unit, data, create_missing=True)
    assert not p.ok and not p.missing  # not offered for creation, even when creation is asked for
    assert any("“吴春梅”是" in x.text and directory["hub"].name in x.text for x in p.problems), [x.text for x in p.problems]
    with pytest.raises(excel.ImportRejected):
        imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                              tz="Asia/Shanghai", month="2026-12", create_missing=True, now=NOW)
    assert session.exec(select(func.count()).select_from(Person).where(Person.name == "吴春梅")).one() == 1


def test_a_unit_reporter_is_not_told_which_unit_another_units_person_belongs_to(session, unit, directory):
    """The clerk-tester looked up 于春梅's unit through the preview as 石桥镇's reporter."""
    from models.accounts import Role
    from models.directory import PersonCreate
    from services.access import Actor
    from services.directory import org

    org.create_person(session=session, actor="test", data=PersonCreate(name="吴春梅", unit_id=directory["hub"].id))
    session.commit()
    reporter = Actor("shiqiao", Role.unit_reporter, unit_id=unit.id)
    p = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(edited(D4="吴春梅")),
                               by=reporter, month="2026-12", now=NOW)
    said = [x.text for x in p.problems + p.warnings]
    assert not any(directory["hub"].name in t for t in said), said
    assert [m.name for m in p.missing] == ["吴春梅"]  # to the reporter a name like any other not in the directory


def test_a_directory_person_outside_the_pool_is_named_once_and_can_be_added_to_it(session, unit):
    data = edited(D9="张建国", D10="张建国")  # Dec 7 and 8: a directory person, not in the officers' pool
    p = preview(session, unit, data)
    outside = [x.text for x in p.problems if "不在值班员的轮换人员中" in x.text]
    assert len(outside) == 1 and "（2 天）" in outside[0], outside
    assert [o.name for o in p.outside] == ["张建国"]
    person = session.exec(select(Person).where(Person.name == "张建国", Person.unit_id == unit.id)).one()
    again = preview(session, unit, data, add_to_pool=True)
    assert again.ok, [x.text for x in again.problems]
    imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, tz="Asia/Shanghai",
                          month="2026-12", now=NOW, add_to_pool=True)
    assert pol.pools_of(session, unit.id)["officer"][-1] == str(person.id)


def test_a_phone_that_differs_from_the_directory_is_a_warning_only(session, unit):
    first = EXPECTED[min(EXPECTED)][1][0]
    p = preview(session, unit, edited(E3="13800000000"))
    assert p.ok
    assert any(w.row == 3 and f"“{first}”的电话 13800000000 与通讯录中的 {OFFICERS[first]} 不同" in w.message
               for w in p.warnings)


def test_a_unit_without_posts_is_refused_with_the_reason(client, tokens, directory):
    dept = directory["dept"]
    r = client.post(f"/api/rosters/{dept.id}/2026-12/import", headers=tokens["admin"],
                    files={"file": ("r.xlsx", xlsx(county_one_row_per_day))})
    assert r.status_code == 422
    assert "尚未设置值班岗位" in r.json()["detail"][0]["msg"]


def test_a_column_the_parser_misreads_can_be_corrected(session, unit):
    data = edited(D2="人员")  # the officers' header in words the parser does not know
    p = preview(session, unit, data)
    assert any("缺少值班员列" in x.message for x in p.problems)
    assert preview(session, unit, data, columns={"D": "officer"}).ok


def zip_bomb() -> bytes:
    """An .xlsx whose sheet inflates to 300 MB from a few hundred KB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData>" + b" " * (300 << 20) + b"</sheetData></worksheet>")
    return buf.getvalue()


def test_a_zip_bomb_is_refused_without_being_inflated(client, tokens, unit):
    data = zip_bomb()
    assert len(data) < 1 << 20
    with pytest.raises(SpreadsheetRejected, match="压缩"):
        read_workbook(data)
    r = client.post(f"/api/rosters/{unit.id}/2026-12/import", headers=tokens["admin"], files={"file": ("r.xlsx", data)})
    assert r.status_code == 422 and "疑似压缩炸弹" in r.json()["detail"][0]["msg"]


@pytest.fixture
def no_reader(monkeypatch):
    """Fails the test if calamine is asked to open the file: the refusal must come before it allocates."""
    import python_calamine

    def refuse(*a, **kw):
        raise AssertionError("the file reached the reader")
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


def test_a_sheet_with_a_far_away_cell_is_refused_by_its_area(no_reader):
    wb = Workbook()
    wb.active["A1"] = "日期"
    wb.active["XFD1048576"] = "x"  # a dense reader would allocate 17 billion cells
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SpreadsheetRejected, match="单元格"):
        read_workbook(buf.getvalue(), Limits())


def test_api_preview_shows_the_roster_as_understood_and_writes_nothing(client, tokens, session, unit):
    r = client.post(f"/api/rosters/{unit.id}/import", headers=tokens["duty_officer"],
                    files={"file": ("值班表.xlsx", xlsx(county_one_row_per_day))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["months"] == ["2026-12"] and body["layouts"] == {"Sheet1": "list"}
    roles = {c["column"]: c["role"] for c in body["columns"]}
    assert roles == {"A": "date", "B": "weekday", "C": "leader", "D": "officer", "E": "phone", "F": "note"}
    day = body["days"][23]
    assert day["day"] == "2026-12-24" and day["note"] == "平安夜加强值守"
    assert [x["name"] for x in day["posts"]["officer"]] == EXPECTED[min(EXPECTED).replace(day=24)][1]
    assert slots(session, unit) == 0
    r = client.post(f"/api/rosters/{unit.id}/import?dry_run=false", headers=tokens["duty_officer"],
                    files={"file": ("值班表.xlsx", xlsx(county_one_row_per_day))})
    assert r.status_code == 200 and r.json()["months"][0]["month"] == "2026-12"
    assert slots(session, unit) > 31


def _login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def test_console_upload_shows_a_preview_then_imports_on_confirm(client, users, session, unit):
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/rosters/{unit.id}/2026-12/upload"
    r = client.post(url, data={"csrf_token": csrf}, files={"file": ("值班表.xlsx", edited(D4="新同志", E4=None))},
                    headers={"accept": "text/html"})
    assert r.status_code == 200
    assert 'id="import-preview"' in r.text and "新同志" in r.text
    assert 'id="confirm-import"' in r.text  # the tick sent with it decides (test_import_clerk: without it, nothing)
    assert "不在本单位通讯录中" in r.text and slots(session, unit) == 0
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = client.post(url, data={"csrf_token": csrf, "token": token, "create_missing": "1"},
                    headers={"accept": "text/html"})
    assert 'id="confirm-import"' in r.text and "平安夜加强值守" in r.text
    r = client.post(url, data={"csrf_token": csrf, "token": token, "create_missing": "1", "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE))["notice"].startswith("已导入 2026年12月 高观镇")
    session.expire_all()
    assert stored(session, unit)[min(EXPECTED).replace(day=2)][1] == ["新同志"]
    # The stash is gone after the import: confirming twice does not import twice.
    r = client.post(url, data={"csrf_token": csrf, "token": token, "confirm": "1"}, follow_redirects=False)
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE)).get("error")


def test_cli_dry_run_prints_the_roster_and_writes_nothing(cli_db, tmp_path):
    from sqlmodel import Session

    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(xlsx(county_one_row_per_day))
    r = run_cli("roster", "import", path, "--unit", "t1", "--dry-run")
    assert r.exit_code == 0, r.output
    first = min(EXPECTED)
    assert f"2026-12-01 {wd(first)}  带班领导:{EXPECTED[first][0][0]}" in r.output
    assert "备注:平安夜加强值守" in r.output
    with Session(cli_db) as s:
        assert s.exec(select(func.count()).select_from(RosterSlot)).one() == 0
    r = run_cli("roster", "import", path, "--unit", "t1")
    assert r.exit_code == 0 and "已导入 t1 2026-12：31 天" in r.output, r.output
    with Session(cli_db) as s:
        assert s.exec(select(func.count()).select_from(RosterSlot)).one() > 31


def test_a_legacy_xls_with_a_far_away_cell_is_refused_by_its_area(no_reader):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("12月")
    ws.write(0, 0, "日期")
    ws.write(65535, 255, "x")  # IV65536: 16.7 million cells for a dense reader
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SpreadsheetRejected, match="单元格"):
        read_workbook(buf.getvalue())


def test_many_merged_ranges_over_the_same_cells_are_bounded():
    """100,000 merges of ~5,000 cells each beside the roster (a crafted file: Excel never overlaps merges)
    would be half a billion filled cells; they are clipped to the cells present and the roster still reads."""
    from rules.rosters.sheet_cells import Named
    from rules.rosters.sheet_layout import Grid, parse_roster

    rows = [["2026年12月值班表"], ["日期", "带班领导", "值班员"], ["12月1日", "张建国", "陈晓燕"]]
    merges = ((0, 10, 70, 79),) * 100_000
    parsed = parse_roster([Grid("12月", rows, merges)], post_labels={"leader": "带班领导", "officer": "值班员"})
    assert [(d.day.isoformat(), d.posts) for d in parsed.days] == [
        ("2026-12-01", {"leader": [Named("张建国")], "officer": [Named("陈晓燕")]})]


def test_a_name_in_the_second_row_of_a_merged_day_is_named_at_its_own_row_and_a_bad_merged_date_once(session, unit):
    from tests.rosters.test_import_layouts import merged_day_over_officer_rows

    def build(wb):
        merged_day_over_officer_rows(wb)
        ws = wb.active
        rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "12月15日"]
        ws.cell(rows[0] + 1, 4).value = "王小川"  # the second officer row of the 15th
        bad = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "12月20日"][0]
        ws.cell(bad, 1).value = "12月32日"  # merged over the 20th's officer rows
        return rows[0] + 1, bad

    spots = {}
    data = xlsx(lambda wb: spots.setdefault("rows", build(wb)))
    second, bad = spots["rows"]
    texts = [x.text for x in preview(session, unit, data).problems]
    assert any(f"第{second}行D列" in t and "王小川" in t for t in texts), (second, texts)
    assert sum("12月32日" in t for t in texts) == 1, texts


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nstream\n\x78\x9c\x8b\x00\x01\xff\xfe" * 20


def test_a_pdf_renamed_xlsx_is_refused_as_what_it_is_not_read_as_csv(client, tokens, unit, session):
    with pytest.raises(SpreadsheetRejected, match="PDF"):
        read_workbook(PDF)
    r = client.post(f"/api/rosters/{unit.id}/2026-12/import", headers=tokens["admin"],
                    files={"file": ("十二月值班表.xlsx", PDF)})
    assert r.status_code == 422, r.text
    e = r.json()["detail"][0]
    assert e["loc"][-1] == "file" and "文件不是 Excel 表格（内容是PDF 文档）" in e["msg"] and "十二月值班表.xlsx" in e["msg"]
    assert slots(session, unit) == 0


@pytest.mark.parametrize("data, what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG 图片"),
    (bytes(range(1, 256)) * 40, "也不是 CSV 文本"),  # binary that is neither a workbook nor text
])
def test_images_and_binary_are_not_spreadsheets(data, what):
    with pytest.raises(SpreadsheetRejected, match=what):
        read_workbook(data)


def test_a_word_document_renamed_xlsx_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SpreadsheetRejected, match="Word 文档"):
        read_workbook(buf.getvalue())


def test_a_gb18030_csv_is_still_read():
    [sheet] = read_workbook("日期,带班领导,值班员\n2026-12-01,张三,李四\n".encode("gb18030"))
    assert sheet.rows[1][1] == "张三"


def test_console_offers_to_add_a_directory_person_to_the_pool(client, users, session, unit):
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/rosters/{unit.id}/2026-12/upload"
    r = client.post(url, data={"csrf_token": csrf}, files={"file": ("值班表.xlsx", edited(D9="张建国", D10="张建国"))},
                    headers={"accept": "text/html"})
    outside = r.text.split('id="import-outside"')[1].split("</p>")[0]
    assert "张建国（值班员）" in outside and "加入轮换人员" in outside
    assert 'id="confirm-import"' in r.text  # the 加入轮换人员 tick sent with it decides
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = client.post(url, data={"csrf_token": csrf, "token": token, "add_to_pool": "1"}, headers={"accept": "text/html"})
    assert 'id="confirm-import"' in r.text
    r = client.post(url, data={"csrf_token": csrf, "token": token, "add_to_pool": "1", "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and slots(session, unit) > 0
    person = session.exec(select(Person).where(Person.name == "张建国", Person.unit_id == unit.id)).one()
    assert str(person.id) in pol.pools_of(session, unit.id)["officer"]


def test_a_single_letter_or_character_is_no_name_and_is_not_offered_for_creation(session, unit):
    """'A', 'x', '—' or '张' in a name cell: a problem of its sheet, row and column in zh-CN, never a person to create;
    a two-letter Latin name is still one."""
    data = edited(C5="A", D6="x", D7="—", D8="陈晓燕、张", D9="Li")  # rows 5-9: Dec 3-7
    p = preview(session, unit, data, create_missing=True)
    texts = [x.text for x in p.problems]
    assert "工作表“Sheet1”第5行C列（带班领导）：“A”不像姓名：姓名至少两个汉字或两个字母" in texts, texts
    assert "工作表“Sheet1”第6行D列（值班人员）：“x”不像姓名：姓名至少两个汉字或两个字母" in texts
    assert "工作表“Sheet1”第7行D列（值班人员）：“—”不像姓名" in texts
    assert "工作表“Sheet1”第8行D列（值班人员）：“张”不像姓名：姓名至少两个汉字或两个字母" in texts
    assert [m.name for m in p.missing] == ["Li"]  # offered for creation: only what looks like a name


def test_the_cli_names_each_problem_by_sheet_row_and_column_and_says_nothing_was_imported(cli_db, tmp_path):
    """The clerk-tester's CLI run: problems read 'row 3 [日期]' (the sheet lost) and a refused run ended with no
    closing line. Each problem now reads as in the console, and the run ends with 未导入任何内容."""
    from sqlmodel import Session

    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(edited(A5="12月45日"))
    r = run_cli("roster", "import", path, "--unit", "t1")
    assert r.exit_code == 1
    assert "问题：工作表“Sheet1”第5行A列（日期）：“12月45日”不是有效日期" in r.output, r.output
    assert r.output.rstrip().endswith("处问题，未导入任何内容") and "problem:" not in r.output
    with Session(cli_db) as s:
        assert s.exec(select(func.count()).select_from(RosterSlot)).one() == 0
