"""Same event, two reports, in headless Chromium on the demo: the second intake warns of the first; the officer
merges it from the warning and lands on the kept incident, which shows the other source."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from core.settings import get_settings
from tests.browser.test_console import DUTY_PASSWORD, log_in
from tests.browser.test_words import STILL_TO_FIX_EN, VISIBLE_TEXT_EN, _chinese_words

pytestmark = pytest.mark.browser


def _intake(page, title, unit, place, source, minutes_ago):
    now = datetime.now(get_settings().tz)
    page.goto("/incidents/new")
    page.fill("input[name=title]", title)
    page.select_option("select[name=category]", "natural_disaster")
    page.select_option("select[name=unit_id]", label=unit)
    page.fill("input[name=received_at]", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=occurred_at]", (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", place)
    page.fill("input[name=source]", source)
    page.click("form#intake button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def test_the_second_report_warns_and_merges_into_the_first(page):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    first = _intake(page, "龙泉镇白沙村洪水漫堤", "龙泉镇", "龙泉镇白沙村5组", "龙泉镇值班室电话", 30)
    assert page.locator("#duplicates").count() == 0
    second = _intake(page, "白沙村河堤漫水", "水利局", "龙泉 白沙村５组", "县水利局", 20)
    box = page.locator("#duplicates")
    assert "可能与以下事件为同一事件" in box.inner_text()
    row = box.locator(f"li[data-duplicate='{first}']")
    assert "龙泉镇白沙村洪水漫堤" in row.inner_text() and "龙泉镇" in row.inner_text()
    row.locator("form.merge-form button").click()
    page.wait_for_url(f"**/incidents/{second}/merge?into={first}")  # 合并前确认: both incidents, then the button
    assert "龙泉镇白沙村洪水漫堤" in page.locator("#kept").inner_text()
    page.locator("#merge-confirm-form button").click()
    page.wait_for_url(f"**/incidents/{first}")
    assert "白沙村河堤漫水" in page.locator("#sources").inner_text()
    assert "另一来源" in page.locator("#timeline").inner_text()
    page.goto(f"/incidents/{second}")
    assert "本事件已合并" in page.locator("#merged-banner").inner_text()
    page.goto("/incidents")
    assert page.locator("tr", has_text="白沙村河堤漫水").count() == 0
    assert page.locator("tr", has_text="龙泉镇白沙村洪水漫堤").count() == 1
    for path in (f"/incidents/{first}", f"/incidents/{second}"):  # in English too: other source, merge, merged
        page.goto(f"{path}?lang=en")
        leaks = _chinese_words(page.evaluate(VISIBLE_TEXT_EN, [])) - STILL_TO_FIX_EN["/incidents/"][1]
        assert not leaks, (path, leaks)
    page.goto(f"/incidents/{second}?lang=en")
    assert "Merged into" in page.locator("#timeline").inner_text()
