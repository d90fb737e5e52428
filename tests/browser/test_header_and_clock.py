"""The phone header is one compact row; the wall display's clock shows the server's (office) time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import re

import pytest

from core.settings import get_settings
from tests.browser.test_console import DUTY_PASSWORD, log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_phone_header_is_one_row(browser, server, lang):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, "duty", DUTY_PASSWORD)
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"/?lang={lang}")
        header = page.locator("header.top").bounding_box()
        assert header["height"] <= 64, header  # one row of 44 px controls, not two
        toggle = page.locator(".nav-toggle")
        box = toggle.bounding_box()
        line = toggle.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || el.clientHeight")
        assert box["height"] <= 48 and toggle.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), box
        assert toggle.evaluate("el => el.getClientRects().length") == 1 and line > 0
        # "☰ 菜单" on one line: its text is as tall as one line of it
        assert page.evaluate("""() => { const r = document.createRange();
            r.selectNodeContents(document.querySelector('.nav-toggle'));
            return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size; }""") == 1
        for part in (".brand", ".who", ".lang"):  # all on that row
            b = page.locator(f"header.top {part}").bounding_box()
            assert b and b["y"] >= header["y"] and b["y"] + b["height"] <= header["y"] + header["height"] + 1, part
    finally:
        context.close()


def test_the_wall_clock_shows_the_servers_time_in_the_office_time_zone(browser, server):
    # the screen's computer is a year behind and in another time zone: the clock follows the server
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                  timezone_id="America/New_York")
    page = context.new_page()
    page.clock.install(time=datetime.now(UTC) - timedelta(days=365))
    try:
        log_in(page, "wall", "dutydesk-wall")
        page.wait_for_url("**/wall")
        page.clock.run_for(1500)  # a tick of the clock
        shown = page.locator("#wall-clock").get_attribute("data-shown")
        assert shown, "the clock did not tick"
        at = datetime.fromisoformat(shown.replace("Z", "+00:00"))
        assert abs((at - datetime.now(UTC)).total_seconds()) < 120, shown
        office = datetime.now(get_settings().tz)
        text = page.locator("#wall-clock").inner_text()
        assert office.strftime("%Y") in text and f"{office.hour:02d}:" in text, text  # office hours, not New York's
    finally:
        context.close()


def test_the_english_wall_clock_names_the_month(browser, server):
    """English read "Thu, 03/12/2026": 3 December or 12 March? The month by name, "Thu 3 Dec 2026"."""
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, "wall", "dutydesk-wall")
        page.wait_for_url("**/wall")
        page.goto("/wall?lang=en")
        page.wait_for_function("document.getElementById('wall-clock').dataset.shown")
        office = datetime.now(get_settings().tz)
        text = page.locator("#wall-clock").inner_text()
        assert re.search(rf"{office.strftime('%a')},? {office.day} {office.strftime('%b %Y')}", text), text
        assert "/" not in text, text
    finally:
        context.close()
