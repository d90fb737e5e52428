"""Under the CSP (no inline script): what used to be inline handlers still works in Chromium, and a password
change on the console logs the account out of its other browsers. The `page` fixture fails on any CSP report."""

from __future__ import annotations

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in

pytestmark = pytest.mark.browser
PASSWORDS = {username: password for username, password, *_ in DEMO_ACCOUNTS}


def test_the_people_filter_submits_itself_when_a_unit_is_chosen(page):
    log_in(page, "duty", PASSWORDS["duty"])
    page.wait_for_url("**/")
    page.goto("/people")
    select = page.locator("form.filters select[name=unit_id]")
    value = select.locator("option").nth(2).get_attribute("value")
    select.select_option(value)  # no button: app.js submits the form (it was an inline onchange)
    page.wait_for_url(f"**/people?unit_id={value}")


def test_a_new_password_logs_the_other_browser_out(page, browser, server):
    log_in(page, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/")
    page.goto("/accounts")
    page.fill("input[name=username]", "csp_leader")
    page.fill("input[name=password]", "first-passphrase")
    page.select_option("select[name=role]", "leader")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/accounts")
    other = browser.new_context(base_url=server).new_page()
    log_in(other, "csp_leader", "first-passphrase")
    other.wait_for_url("**/")
    page.context.clear_cookies()  # the admin leaves; the new leader logs in here too
    log_in(page, "csp_leader", "first-passphrase")
    page.wait_for_url("**/")
    page.click("header a[href='/account/password']")
    page.fill("input[name=current_password]", "first-passphrase")
    page.fill("input[name=password]", "second-passphrase")
    page.fill("input[name=password_repeat]", "second-passphrase")
    page.click("#password-form button[type=submit]")
    assert "其他设备" in page.locator("#notice").inner_text()
    other.goto("/units")
    assert "/login" in other.url
    other.context.close()
