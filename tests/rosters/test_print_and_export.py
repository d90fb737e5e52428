"""The roster as offices print it: the print page keeps the 备注 column, its rows whole and its header on every
page, and fits a phone; the Excel export is ruled, set up for A4 landscape one page wide with the header
repeated, its columns as wide as their content, and downloaded under the unit's name."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

from openpyxl import load_workbook

from tests.conftest import PASSWORD
from tests.rosters.test_import_layouts import (EXPECTED, county_one_row_per_day, do_import,  # noqa: F401
                                               unit, xlsx)

CSS = (Path(__file__).resolve().parents[2] / "web" / "static" / "print.css").read_text(encoding="utf-8")


def test_the_print_page_shows_each_days_note_and_keeps_rows_whole(client, users, session, unit):
    do_import(session, unit, xlsx(county_one_row_per_day))
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/rosters/{unit.id}/2026-12/print", headers={"accept": "text/html"})
    assert page.status_code == 200
    header = page.text.split("<thead>")[1].split("</thead>")[0]
    assert header.endswith("<th>备注</th></tr>")
    row = page.text.split("<td class=\"day\">2026-12-24</td>")[1].split("</tr>")[0]
    assert "平安夜加强值守" in row and EXPECTED[date(2026, 12, 24)][1][0] in row
    assert 'name="viewport"' in page.text and 'class="wide"' in page.text
    roster_css = "\n".join(line for line in CSS.splitlines() if "print-roster" in line)
    assert "body.print-roster thead { display: table-header-group; }" in roster_css
    assert "break-inside: avoid" in roster_css and "overflow-x: auto" in roster_css


def test_the_print_page_is_english_when_the_console_is(client, users, session, unit):
    """Issue 14: the wall's roster in English (the console's language): headers, weekdays, title, state; the names,
    phones and notes as written."""
    import re

    do_import(session, unit, xlsx(county_one_row_per_day))
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/rosters/{unit.id}/2026-12/print?lang=en", headers={"accept": "text/html"}).text
    assert '<html lang="en">' in page
    assert "duty roster, December 2026</h1>" in page and "Duty phone: " in page
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header == ("<tr><th>Date</th><th>Day</th><th>Duty leader</th><th>Duty officer</th><th>Phones</th>"
                      "<th>Notes</th></tr>")
    row = page.split("<td class=\"day\">2026-12-24</td>")[1].split("</tr>")[0]
    assert "<td class=\"day\">Thursday</td>" in row and "平安夜加强值守" in row  # the note as written
    assert ">Print</button>" in page
    shell = re.sub(r'<([a-z0-9]+)[^>]*lang="zh-CN"[^>]*>.*?</\1>|<title>.*?</title>', "", page, flags=re.S)
    assert not re.search("[\u4e00-\u9fff]", shell), shell  # no Chinese but what people wrote
    # and the same page stays zh-CN for a zh-CN console
    zh = client.get(f"/rosters/{unit.id}/2026-12/print?lang=zh-CN", headers={"accept": "text/html"}).text
    assert "2026年12月值班表</h1>" in zh and "<td class=\"day\">星期四</td>" in zh


def test_the_excel_export_is_ruled_and_set_up_to_print(client, tokens, session, unit):
    do_import(session, unit, xlsx(county_one_row_per_day))
    r = client.get(f"/api/rosters/{unit.id}/2026-12/export.xlsx", headers=tokens["duty_officer"])
    assert r.status_code == 200
    assert r.headers["content-disposition"] == (
        f"attachment; filename=\"roster-{unit.code}-2026-12.xlsx\"; "  # the unit's code: saved, it is recognisable
        f"filename*=UTF-8''{quote('值班表-高观镇-2026-12.xlsx')}")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[2]] == ["日期", "星期", "带班领导", "值班员", "联系电话", "备注"]
    for cell in (ws["A2"], ws["F2"], ws["E3"], ws["F33"]):  # header, first day, last day's 备注
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style,
                cell.border.bottom.style} == {"thin"}, cell.coordinate
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$2:$2"  # the header row on every printed page
    # The phone column is as wide as its widest cell: two names and two mobiles fit on one line.
    widest = max(len(str(c.value or "")) for c in ws["E"][2:])
    assert ws.column_dimensions["E"].width >= widest + 4  # each name's characters count two
    assert ws.column_dimensions["B"].width < ws.column_dimensions["E"].width


def test_the_excel_exports_phone_cell_is_the_stored_phones_and_reads_back_to_each_person(client, tokens, session, unit):
    """联系电话 pairs each name with its phone exactly as stored, in the order of the names (带班领导 then 值班员),
    as the print page does (a phone column of bare numbers left the clerk guessing whose each was); a person without a
    mobile leaves nothing behind, no trailing space. Imported back, each phone is its own person's (the preview finds
    no phone that differs from the directory)."""
    from sqlmodel import select

    from core.spreadsheets import read_workbook
    from models.directory import Person
    from services.rosters import imports
    from tests.rosters.test_import_layouts import BY, LEADERS, NOW, OFFICERS

    do_import(session, unit, xlsx(county_one_row_per_day))
    blank = EXPECTED[date(2026, 12, 1)][0][0]  # Dec 1's leader has no mobile on record
    person = session.exec(select(Person).where(Person.name == blank, Person.unit_id == unit.id)).one()
    person.mobile = ""
    session.add(person)
    session.commit()
    data = client.get(f"/api/rosters/{unit.id}/2026-12/export.xlsx", headers=tokens["duty_officer"]).content
    ws = load_workbook(io.BytesIO(data)).active
    phones = {**LEADERS, **OFFICERS, blank: ""}
    for row in ws.iter_rows(min_row=3, max_row=2 + len(EXPECTED), values_only=True):  # below: the file's footer
        ls, os_, _ = EXPECTED[row[0].date()]
        assert row[4] == "、".join(f"{n} {phones[n]}" for n in [*ls, *os_] if phones[n]), row
    assert ws["E3"].value == "、".join(f"{o} {OFFICERS[o]}" for o in EXPECTED[date(2026, 12, 1)][1])  # no "张建国 "
    p = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, month="2026-12",
                               now=NOW)
    assert p.ok and not p.phones, [(c.name, c.phone) for c in p.phones]
    assert not [w.text for w in p.warnings if "电话" in w.message]


def test_the_print_pages_title_is_the_offices_full_name_and_month(client, users, directory):
    """The wall's title reads as offices title it, the unit's full name then the month: 县政府总值班室2026年12月值班表
    (the page's <title>, so also a saved PDF's name, and its heading), and 高观镇2026年12月值班表 for a town."""
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code in (302, 303)
    for unit, title in ((directory["hub"], "县政府总值班室2026年12月值班表"), (directory["town"], "高观镇2026年12月值班表")):
        page = client.get(f"/rosters/{unit.id}/2026-12/print?lang=zh-CN", headers={"accept": "text/html"}).text
        assert f"<title>{title}</title>" in page
        heading = page.split("<h1>")[1].split("</h1>")[0]
        assert re.sub(r"<[^>]+>", "", heading) == title


def test_the_files_own_title_and_footer_are_kept_with_the_month_and_printed_and_exported(client, users, tokens,
                                                                                         session, unit):
    """The county's file opens with XX县人民政府办公室2026年12月值班表 and ends with 值班电话：…（24小时）: both are
    shown in the preview, kept with the imported month, and used by the print page and the Excel export; a month
    of a file without them falls back to dutydesk's own title."""
    import lxml.html

    from tests.rosters.test_import_console import _form, _open, _submit
    from tests.rosters.test_import_layouts import FOOTER

    own = "XX县人民政府办公室2026年12月值班表"
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(county_one_row_per_day))}, headers={"accept": "text/html"})
    shown = lxml.html.fromstring(r.text).get_element_by_id("import-title-footer").text_content()
    assert own in shown and FOOTER in shown
    assert _submit(client, _form(r.text), confirm="1").status_code == 303

    page = client.get(f"/rosters/{unit.id}/2026-12/print?lang=zh-CN", headers={"accept": "text/html"}).text
    assert f"<h1>{own}</h1>" in page
    assert lxml.html.fromstring(page).get_element_by_id("roster-footer").text_content() == FOOTER
    en = client.get(f"/rosters/{unit.id}/2026-12/print?lang=en", headers={"accept": "text/html"}).text
    assert "duty roster, December 2026</h1>" in en and f'<p class="file-title" lang="zh-CN">{own}</p>' in en

    ws = load_workbook(io.BytesIO(client.get(f"/api/rosters/{unit.id}/2026-12/export.xlsx",
                                             headers=tokens["duty_officer"]).content)).active
    assert ws["A1"].value == own and ws.cell(ws.max_row, 1).value == FOOTER
    assert f"A{ws.max_row}:F{ws.max_row}" in {str(m) for m in ws.merged_cells.ranges}

    def plain(wb):  # the same roster without title or footer: dutydesk's own title again
        county_one_row_per_day(wb)
        ws = wb.active
        ws.delete_rows(ws.max_row)
        ws.delete_rows(1)
        ws.title = "2026年12月"
    do_import(session, unit, xlsx(plain))
    page = client.get(f"/rosters/{unit.id}/2026-12/print?lang=zh-CN", headers={"accept": "text/html"}).text
    assert "<h1>" in page and own not in page and 'id="roster-footer"' not in page
