"""Console: import/export controls on /units and /people, and the per-row import result page."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tests.directory.files import PERSON_ZH, UNIT_ZH, counts, csv_bytes, xlsx


def _login(client, username: str) -> str:
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/units")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_units_page_offers_export_links_and_an_import_form_to_writers_only(client, users):
    _login(client, "u_duty_officer")
    page = client.get("/units").text
    assert 'href="/api/units/export?format=xlsx&amp;lang=zh"' in page and 'action="/units/import"' in page
    client.cookies.clear()
    _login(client, "u_leader")
    page = client.get("/people?lang=en").text
    assert 'href="/api/people/export?format=csv&amp;lang=en"' in page and 'action="/people/import"' not in page
    assert client.get("/api/people/export?format=csv&lang=en").status_code == 200  # the link works by cookie


def test_a_bad_people_file_shows_each_row_and_field_and_imports_nothing(client, users, session):
    csrf = _login(client, "u_duty_officer")
    before = counts(session)
    data = xlsx(PERSON_ZH, [["王五", "", "d1", "13900000004", "", "", "否", "否", ""],
                            ["赵六", "", "不存在的局", "13900000005", "", "wrong", "否", "否", ""]])
    r = client.post("/people/import", data={"csrf_token": csrf},
                    files={"file": ("人员.xlsx", data, "application/octet-stream")})
    assert r.status_code == 422
    table = r.text.split('id="import-errors"', 1)[1]
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    assert [(n, col) for n, col, _, _ in rows] == [("3", "单位"), ("3", "邮箱")]
    assert "未导入任何数据" in r.text
    assert counts(session) == before


def test_a_good_units_file_reports_counts_and_a_dry_run_writes_nothing(client, users, session):
    csrf = _login(client, "u_admin")
    data = csv_bytes(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "", ""]], "gbk")
    before = counts(session)
    r = client.post("/units/import", data={"csrf_token": csrf, "dry_run": "true"},
                    files={"file": ("units.csv", data, "text/csv")})
    assert r.status_code == 200 and "检查通过，未写入任何数据" in r.text
    assert counts(session) == before
    r = client.post("/units/import", data={"csrf_token": csrf}, files={"file": ("units.csv", data, "text/csv")})
    assert r.status_code == 200 and "导入完成" in r.text
    assert re.search(r"<th>新增</th><td>1</td>", r.text)
    assert counts(session)[0] == before[0] + 1


def test_the_import_form_needs_its_csrf_token_and_a_spreadsheet(client, users, session):
    csrf = _login(client, "u_admin")
    data = csv_bytes(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "", ""]])
    r = client.post("/units/import", files={"file": ("units.csv", data, "text/csv")})
    assert r.status_code == 403
    r = client.post("/units/import", data={"csrf_token": csrf},
                    files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(40), "image/png")})
    assert r.status_code == 415 and "不是电子表格文件" in r.text
