"""Live pages in two real browsers: what one person does shows on another's open page without a reload."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.settings import get_settings
from tests.browser.test_console import DUTY_PASSWORD, log_in

pytestmark = pytest.mark.browser
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.0 Mobile/15E148 Safari/604.1")


def test_a_new_incident_appears_on_an_open_board_and_dashboard_without_reload(browser, server, page):
    phone = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                is_mobile=True, has_touch=True, locale="zh-CN")
    leader = phone.new_page()
    leader.set_default_timeout(10_000)
    try:
        log_in(leader, "leader", "dutydesk-leader")
        leader.wait_for_url("**/")
        leader.goto("/incidents")
        leader.wait_for_selector("#live-state.on")  # the stream is open
        assert leader.locator("#live-state").inner_text() == "实时更新"
        leader.evaluate("window.__sameDocument = true")
        title = f"实时测试 {datetime.now().strftime('%H%M%S')} 青山镇货车侧翻"

        log_in(page, "duty", DUTY_PASSWORD)
        page.wait_for_url("**/")
        page.goto("/incidents/new")
        now = datetime.now(get_settings().tz)
        page.fill("input[name=title]", title)
        page.select_option("select[name=category]", "accident")
        page.fill("input[name=type]", "道路交通事故")
        page.select_option("select[name=unit_id]", label="青山镇")
        page.fill("input[name=received_at]", now.strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=occurred_at]", now.strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=place]", "县道X101线")
        page.fill("input[name=deaths]", "0")
        page.click("form button[type=submit]")
        page.wait_for_url("**/incidents/*")

        leader.locator("#board tr", has_text=title).wait_for(timeout=8_000)  # no reload: the row arrives
        assert leader.evaluate("window.__sameDocument === true"), "the page was reloaded"
        row = leader.locator("#board tr", has_text=title)
        assert row.locator(".countdown").count() == 0 or row.locator(".countdown").first.inner_text()
        # the arrived row is a card on the phone like the others (labels from the table head)
        assert row.locator("td[data-label]").count() >= 3

        leader.goto("/")  # the dashboard's open-incident panel is live too
        leader.wait_for_selector("#live-state.on")
        before = leader.locator("#incidents").inner_text()
        page.goto("/incidents/new")
        page.fill("input[name=title]", title + "（二）")
        page.select_option("select[name=category]", "accident")
        page.fill("input[name=type]", "道路交通事故")
        page.select_option("select[name=unit_id]", label="青山镇")
        page.fill("input[name=received_at]", now.strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=place]", "县道X101线")
        page.click("form button[type=submit]")
        page.wait_for_url("**/incidents/*")
        leader.locator("#incidents", has_text=title + "（二）").wait_for(timeout=8_000)
        assert leader.locator("#incidents").inner_text() != before
    finally:
        phone.close()
