"""Deliveries in headless Chromium: the duty officer's inbox, the admin's send log, a failing channel made visible."""

from __future__ import annotations

import json
import time

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in

pytestmark = pytest.mark.browser
PASSWORDS = {username: password for username, password, *_ in DEMO_ACCOUNTS}


def test_duty_officer_sees_the_demo_messages_in_the_inbox(page):
    log_in(page, "duty", PASSWORDS["duty"])
    page.wait_for_url("**/", timeout=30_000)  # a loaded 2-core machine can take a while to log in
    page.click("nav#nav a[href='/inbox']")
    page.wait_for_url("**/inbox")
    assert page.locator("h1").first.inner_text() == "收件箱"
    messages = page.locator("#inbox-list li.card")
    assert messages.count() >= 1
    assert "欢迎使用值班值守系统" in page.locator("#inbox-list").inner_text()
    page.screenshot(path="/tmp/dutydesk-inbox.png", full_page=True)


def test_admin_sees_states_and_provider_ids(page):
    log_in(page, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/", timeout=30_000)  # a loaded 2-core machine can take a while to log in
    page.goto("/deliveries?source=demo")
    rows = page.locator("#delivery-list tbody tr[data-state]")
    assert rows.count() >= 3  # a welcome message per demo account linked to a person
    first = rows.first
    assert first.get_attribute("data-state") == "delivered"
    assert first.locator("td.state").inner_text().startswith("已送达")
    assert first.locator("td").nth(7).inner_text().startswith("demo:welcome:")  # the inbox's provider id
    page.screenshot(path="/tmp/dutydesk-deliveries.png", full_page=True)


def test_a_failing_channel_shows_failed_with_its_error_and_alerts_the_dashboard(page, server):
    log_in(page, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/", timeout=30_000)  # a loaded 2-core machine can take a while to log in
    page.goto("/")
    assert page.locator("#alerts li[data-code='delivery_failed']").count() == 0
    page.goto("/channels")
    # A webhook whose receiver answers 404: the provider refuses, a permanent failure with its reason.
    page.fill("#channel-form input[name=name]", "broken_hook")
    page.select_option("#channel-form select[name=kind]", "webhook")
    page.fill("#channel-form textarea[name=config]", json.dumps({"base_url": f"{server}/no-such-receiver"}))
    page.click("#channel-form button[type=submit]")
    page.wait_for_url("**/channels")
    assert page.locator("#channel-error").count() == 0
    page.fill("#ch-broken_hook form.test-send input[name=to]", f"{server}/no-such-receiver")
    page.locator("#ch-broken_hook form.test-send button").click()
    page.wait_for_url(lambda url: "/deliveries?source=test&channel=broken_hook" in url)
    row = page.locator("#delivery-list tbody tr[data-state]").first
    deadline = time.monotonic() + 20
    while row.get_attribute("data-state") != "failed" and time.monotonic() < deadline:
        time.sleep(0.3)  # the engine in `dutydesk serve` sends it within a second
        page.reload()
        row = page.locator("#delivery-list tbody tr[data-state]").first
    assert row.get_attribute("data-state") == "failed"
    assert row.locator("td.state").inner_text().startswith("失败")
    assert "HTTP 404" in row.locator("td.error-text").inner_text()
    page.screenshot(path="/tmp/dutydesk-delivery-failed.png", full_page=True)
    page.goto("/")
    alert = page.locator("#alerts li[data-code='delivery_failed']")
    assert alert.count() == 1 and "发送失败" in alert.inner_text()
    alert.locator("a").click()
    page.wait_for_url(lambda url: url.endswith("/deliveries?state=failed"))
    assert page.locator("#delivery-list tbody tr[data-state='failed']").count() >= 1
