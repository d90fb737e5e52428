"""The audit page on a phone (390×844): entries as stacked cards, no sideways scrolling, pages that move."""

from __future__ import annotations

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


def test_the_audit_log_fits_a_phone(browser, server):
    username, password = next((u, p) for u, p, role, _ in DEMO_ACCOUNTS if role == "auditor")
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        log_in(phone, username, password)
        phone.wait_for_url(lambda url: "/login" not in url)
        assert phone.goto("/audit").status == 200
        cards = phone.locator("li.audit-entry")
        assert cards.count() == 50, "a page holds 50 entries"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the audit page scrolls sideways"
        boxes = [cards.nth(i).bounding_box() for i in range(3)]
        assert all(b["width"] <= 390 for b in boxes) and boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # stacked
        phone.click("a[rel=next]")
        phone.wait_for_url("**/audit?page=2")
        assert "第 51–" in phone.locator("#audit-total").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
