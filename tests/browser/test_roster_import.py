"""Importing a roster file in headless Chromium: the upload shows what was understood (each day's people,
the column mapping, 备注) and writes nothing until "确认导入"; then the month shows the file's 备注."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.browser.test_console import DUTY_PASSWORD, log_in

pytestmark = pytest.mark.browser
TOWN = "高观镇"  # not the hub, whose reasons test_rosters.py reads


def test_upload_previews_then_imports_on_confirm(page, tmp_path):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/rosters")
    unit_id = page.locator("select[name=unit_id] option", has_text=TOWN).first.get_attribute("value")
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    month = f"{day.year:04d}-{day.month:02d}"
    exported = page.request.get(f"/api/rosters/{unit_id}/{month}/export.xlsx")
    assert exported.ok
    wb = load_workbook(io.BytesIO(exported.body()))
    ws = wb.active
    ws.cell(3, ws.max_column, "浏览器导入的备注")  # the first day's 备注
    path = tmp_path / "值班表.xlsx"
    wb.save(path)

    page.goto(f"/rosters?unit_id={unit_id}&month={month}")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload")
    preview = page.locator("#import-preview")
    preview.wait_for()
    assert "浏览器导入的备注" in page.locator("#import-days").inner_text()
    assert page.locator("#import-columns tbody tr").count() >= 5
    assert page.locator("#import-problems").count() == 0, page.locator("#import-problems").inner_text()
    assert page.locator("#roster-table td.note").count() == 0  # nothing written yet
    page.screenshot(path="/tmp/dutydesk-roster-import-preview.png", full_page=True)
    page.click("#confirm-import")
    page.wait_for_selector("#notice")  # the flash cookie's notice, shown once
    assert "浏览器导入的备注" in page.locator("#roster-table").inner_text()
