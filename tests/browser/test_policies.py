"""The 升级策略 form on a phone without script: it fits 390 px, "add step" re-renders with the input kept, a
refused save says what is wrong at the top (role=alert) and at the field."""

from __future__ import annotations

import pytest

from tests.browser.test_console import log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_no_js(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                  is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False)
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()


def test_the_form_on_a_phone_without_script(phone_no_js):
    p = phone_no_js
    log_in(p, "duty", "dutydesk-duty")
    p.wait_for_url(lambda url: "/login" not in url)
    p.goto("/escalation-policies")
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    assert "通知" in p.locator("#policy-list").inner_text()  # the demo's policies, in words
    p.goto("/escalation-policies/new")
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.fill("input[name=name]", "夜间测试")
    p.check("input[name='s0.targets'][value='duty_leader_now:']")
    p.click("button[value=add_step]")
    assert p.locator("fieldset.step").count() == 2
    assert p.input_value("input[name=name]") == "夜间测试"
    assert p.is_checked("input[name='s0.targets'][value='duty_leader_now:']")
    p.fill("input[name='s1.wait']", "很久")
    p.click("button[value=save]")
    alert = p.locator("[role=alert]")
    assert "请填写数字" in alert.inner_text()
    assert p.locator("p.error[data-field='steps.1.wait_minutes']").is_visible()
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.screenshot(path="/tmp/policy-form-phone.png", full_page=True)
