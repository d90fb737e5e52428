"""A leader on a phone (390 px) proves their mobile with the code and sets a rule, with JavaScript off: every step
is a plain form. The code is read where the office would see it (the delivery list), as the demo has no SMS gateway."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_console import log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


def _context(browser, server, **kw):
    context = browser.new_context(base_url=server, locale="zh-CN", **kw)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_a_leader_verifies_a_mobile_and_adds_a_rule_on_a_phone_without_javascript(browser, server):
    phone_ctx, phone = _context(browser, server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                is_mobile=True, has_touch=True, java_script_enabled=False)
    office_ctx, office = _context(browser, server, viewport={"width": 1280, "height": 800})
    try:
        log_in(phone, "leader", "dutydesk-leader")
        phone.wait_for_url(lambda url: "/login" not in url)
        phone.goto("/me/contacts")
        assert re.search(r"/people/[0-9a-f-]+/contacts$", phone.url)
        assert phone.locator("#no-usable").is_visible()
        phone.select_option("#add-method select[name=kind]", "mobile")
        phone.fill("#add-method input[name=value]", "139 0000 5678")
        phone.fill("#add-method input[name=label]", "工作手机")
        phone.click("#add-method button[type=submit]")
        row = phone.locator("tr[data-verified=no]", has_text="13900005678")
        assert "未验证" in row.inner_text()
        row.get_by_role("button", name="发送验证码").click()
        assert "验证码已发送" in phone.locator("#notice").inner_text()

        log_in(office, "duty", "dutydesk-duty")
        office.wait_for_url(lambda url: "/login" not in url)
        office.goto("/deliveries?source=contact_verify")
        office.locator("#delivery-list a[href^='/deliveries/']").first.click()
        code = re.search(r"验证码：(\d{6})", office.locator("#delivery-text").inner_text()).group(1)

        row = phone.locator("tr[data-verified=no]", has_text="13900005678")
        row.locator("input[name=code]").fill(code)
        row.get_by_role("button", name="验证", exact=True).click()
        assert "验证成功" in phone.locator("#notice").inner_text()
        assert "已验证" in phone.locator("tr[data-verified=yes]", has_text="13900005678").inner_text()

        phone.select_option("#add-rule select[name=via]", label="短信 · 13900005678")
        phone.fill("#add-rule input[name=delay_minutes]", "2")
        phone.click("#add-rule button[type=submit]")
        assert "2分钟后" in phone.locator("#rules tbody").inner_text()
        assert phone.locator("#no-usable").count() == 0
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px phone"
        button = phone.locator("#methods button").first.bounding_box()
        assert button and button["height"] >= 44, "a tap target smaller than a finger"
    finally:
        phone_ctx.close()
        office_ctx.close()
