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
    # the inbox's message id is the idempotency key: the column says 无, the key is in its tooltip
    provider = first.locator("td").nth(7)
    assert provider.inner_text() == "无" and "demo:welcome:" in provider.locator("span").get_attribute("title")
    page.screenshot(path="/tmp/dutydesk-deliveries.png", full_page=True)


def test_a_failing_channel_shows_failed_with_its_error_and_alerts_the_dashboard(page, server):
    log_in(page, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/", timeout=30_000)  # a loaded 2-core machine can take a while to log in
    page.goto("/")
    # The browser tests share one server: another test may already have left a failed message; this one adds one.
    before = page.locator("#alerts li[data-code='delivery_failed']")
    failed_before = int(before.get_attribute("data-count")) if before.count() else 0
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
    assert int(alert.get_attribute("data-count")) == failed_before + 1
    alert.locator("a").click()
    page.wait_for_url(lambda url: url.endswith("/deliveries?state=failed"))
    assert page.locator("#delivery-list tbody tr[data-state='failed']").count() >= 1


def _open_leader_message(server_db) -> tuple[str, str]:
    """(delivery id, ack path) of a demo message with a live link to a leader of an incident still unacknowledged,
    whose person is not the duty officer's."""
    import sqlite3

    with sqlite3.connect(f"file:{server_db}?mode=ro", uri=True) as c:
        row = c.execute("SELECT d.id, d.ack_url FROM delivery d JOIN incident i ON CAST(i.id AS TEXT) = d.source_id "
                        "OR REPLACE(i.id, '-', '') = REPLACE(d.source_id, '-', '') "
                        "WHERE d.source = 'incident' AND d.ack_url IS NOT NULL AND i.acknowledged_at IS NULL "
                        "AND d.person_id IS NOT (SELECT person_id FROM user WHERE username = 'duty') "
                        "ORDER BY d.created_at LIMIT 1").fetchone()
    assert row, "the demo has a leader's message with a live acknowledgement link"
    delivery_id = row[0] if "-" in row[0] else str(__import__("uuid").UUID(row[0]))
    return delivery_id, "/ack/" + row[1].split("/ack/")[1]


@pytest.mark.parametrize("size, ua", [({"width": 1366, "height": 800}, None), ({"width": 390, "height": 844}, "phone")])
def test_the_duty_officer_reads_a_leaders_message_without_its_link_and_cannot_use_it(browser, server,
                                                                                    tmp_path_factory, size, ua):
    from tests.browser.test_phone import PHONE_UA

    db = next(tmp_path_factory.getbasetemp().glob("serve*/demo.db"))
    delivery_id, ack_path = _open_leader_message(db)
    context = browser.new_context(base_url=server, viewport=size, locale="zh-CN",
                                  **({"user_agent": PHONE_UA} if ua else {}))
    page = context.new_page()
    try:
        log_in(page, "duty", PASSWORDS["duty"])
        page.wait_for_url("**/", timeout=30_000)
        page.goto(f"/deliveries/{delivery_id}")
        text = page.locator("#delivery-text").inner_text()
        assert "（确认链接，仅收件人可用）" in text and "/ack/" not in page.content()
        page.screenshot(path=f"/tmp/dutydesk-delivery-hidden-link-{size['width']}.png", full_page=True)
        page.goto("/deliveries")
        assert ack_path.removeprefix("/ack/") not in page.content()

        page.goto(ack_path)  # the link, copied from somewhere else, in the duty officer's own browser
        body = page.locator("main").inner_text()
        assert "不能代他确认；请在事件页用您自己的账号操作" in body and page.locator("text=确认收到").count() == 0
        page.screenshot(path=f"/tmp/dutydesk-ack-refused-{size['width']}.png", full_page=True)
    finally:
        context.close()
