"""A file whose name says Excel but whose content is not: text saved as .xlsx (or a .csv renamed), a web page or
Excel 2003 XML that some systems export as .xls. The clerk is told what the file really is and what to do, never
"CSV 文件：没有找到值班表" about a file they uploaded as .xlsx. A real CSV roster under an Excel name still imports."""

from __future__ import annotations

import pytest

from core.spreadsheets import SpreadsheetRejected, read_workbook
from tests.rosters.test_import_console import _open
from tests.rosters.test_import_layouts import unit  # noqa: F401
from web.console.forms import FLASH_COOKIE, read_flash

NOT_A_ROSTER = "这是一份说明文字\n请各单位按时报送\n".encode()
HTML = b"\xef\xbb\xbf<table border=1><tr><td>\xe6\x97\xa5\xe6\x9c\x9f</td></tr></table>"
XML_2003 = b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
CSV_ROSTER = "".join(["日期,带班领导,值班员\n"] + [f"2026-12-{d:02d},张建国,杨帆\n" for d in range(1, 32)]).encode()


def test_text_under_an_excel_name_is_said_to_be_text():
    (sheet,) = read_workbook(NOT_A_ROSTER, name="12月值班表.xlsx")
    assert sheet.name == "text"
    assert read_workbook(NOT_A_ROSTER, name="12月值班表.csv")[0].name == "csv"  # a .csv stays the CSV file
    assert read_workbook(NOT_A_ROSTER)[0].name == "csv"  # no name: as before


@pytest.mark.parametrize(("data", "what"), [(HTML, "网页 HTML"), (XML_2003, "Excel 2003 XML")])
def test_a_web_page_or_xml_saved_as_xls_is_refused_with_what_to_do(data, what):
    with pytest.raises(SpreadsheetRejected) as refused:
        read_workbook(data, name="值班表.xls")
    assert what in refused.value.reason and "另存为 .xlsx 或 .csv" in refused.value.reason


def test_the_console_says_what_the_file_is(client, users, session, unit):
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("12月值班表.xlsx", NOT_A_ROSTER)}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "这个文件不是 Excel 表格（内容是文本），请用 Excel 或 WPS 打开后另存为 .xlsx 或 .csv" in r.text
    assert "CSV 文件" not in r.text and "没有找到值班表" not in r.text
    r = client.post(f"/rosters/{unit.id}/2026-12/upload?lang=en", data={"csrf_token": csrf},
                    files={"file": ("roster.xlsx", NOT_A_ROSTER)}, headers={"accept": "text/html"})
    assert "This file is not an Excel workbook (it is text)" in r.text
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("12月值班表.xls", HTML)}, headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and "网页 HTML" in read_flash(r.cookies.get(FLASH_COOKIE))["error"]


def test_a_csv_roster_under_an_excel_name_still_reads(client, users, session, unit):
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("12月值班表.xlsx", CSV_ROSTER)}, headers={"accept": "text/html"})
    assert r.status_code == 200 and "这个文件不是" not in r.text, r.text
    assert 'id="import-problems"' not in r.text and 'id="confirm-import"' in r.text


def test_the_cli_says_it_too(cli_db, tmp_path):
    from sqlmodel import Session

    from models.directory import UnitCreate, UnitType
    from services.directory import org
    from services.rosters import policy as pol
    from tests.conftest import run_cli

    with Session(cli_db) as s:
        town = org.create_unit(session=s, actor="test", data=UnitCreate(name="高观镇", code="gg", type=UnitType.town))
        pol.ensure_default_posts(session=s, unit_id=town.id, actor="test")
        s.commit()
    path = tmp_path / "12月值班表.xlsx"
    path.write_bytes(NOT_A_ROSTER)
    r = run_cli("roster", "import", path, "--unit", "gg", "--month", "2026-12", "--dry-run")
    assert r.exit_code == 1 and "这个文件不是 Excel 表格（内容是文本）" in r.output and "CSV 文件" not in r.output
