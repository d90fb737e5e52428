"""Spot checks in headless Chromium on the demo: the duty officer's call-now form, the auditor's statistics and
monthly circular (.docx), and the plan kept secret from units."""

from __future__ import annotations

import io
import re

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in

pytestmark = pytest.mark.browser
PASSWORDS = {username: password for username, password, *_ in DEMO_ACCOUNTS}


def test_duty_officer_records_a_slow_answer_from_the_call_now_list(page):
    log_in(page, "duty", PASSWORDS["duty"], start="/spotchecks")
    page.wait_for_url("**/spotchecks")
    task = page.locator("#tasks form.task[data-unit='高观镇']")
    assert task.count() == 1, "the demo's due check of 高观镇 is in the call-now list"
    assert "0838" in task.locator(".phone").inner_text()
    task.locator("select[name=outcome]").select_option("slow_answer")
    task.locator("input[name=rings]").fill("5")
    task.locator("input[name=answered_by]").fill("张晓明")
    task.locator("input[name=notes]").fill("第五声才接听")
    task.locator("button").click()
    page.wait_for_url("**/spotchecks")
    assert page.locator("#tasks form.task[data-unit='高观镇']").count() == 0  # done: off the list
    row = page.locator("#results tbody tr", has_text="张晓明").first
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "高观镇" and "三声" in cells[2] and cells[4] == "张晓明" and "第五声才接听" in cells[7]
    page.screenshot(path="/tmp/dutydesk-spotchecks.png", full_page=True)


def test_auditor_sees_charts_and_downloads_the_monthly_circular(page):
    from docx import Document

    log_in(page, "auditor", PASSWORDS["auditor"], start="/statistics")
    page.wait_for_url("**/statistics")
    charts = page.locator("svg")
    assert charts.count() >= 1 and charts.first.is_visible()
    assert charts.first.locator("rect, path, polyline, circle, line").count() > 0  # drawn, not an empty frame
    page.screenshot(path="/tmp/dutydesk-statistics.png", full_page=True)
    page.goto("/spotchecks/circulars")
    with page.expect_download() as info:
        page.locator("#circular-list a", has_text=".docx").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    doc = Document(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert "通报" in text
    assert "高观镇" in text and "石桥镇" in text  # the demo's checked units are named
    page.goto("/spotchecks/circulars")
    page.locator("#circular-list a", has_text="打印").first.click()
    number = page.locator("#doc-number").inner_text()  # the print page shows the 文号 the .docx carries
    assert re.fullmatch(r"城口府办值〔20\d\d〕1号", number) and number in text
    assert page.locator("#addressee").inner_text().endswith("：")
    assert "城口县人民政府办公室" in page.locator("#signature").inner_text()


def test_unit_reporter_cannot_open_the_plan(page):
    log_in(page, "gaoguan", PASSWORDS["gaoguan"])
    page.wait_for_url("**/")
    response = page.goto("/spotchecks/plans")
    assert response.status == 403
    assert "请立即致电" not in page.content()
