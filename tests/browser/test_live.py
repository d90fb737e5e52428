"""Live pages in two real browsers: what one person does shows on another's open page without a reload."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.settings import get_settings
from tests.browser.test_console import DUTY_PASSWORD, log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


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


def test_many_open_live_pages_leave_the_server_answering(server):
    """An open stream holds no database admission: with more live pages open than the pool has connections
    (10), every page still answers (it waited for ever before, and so did every other request)."""
    import asyncio
    import time

    import httpx

    client = httpx.Client(base_url=server, timeout=10)
    assert client.post("/login", data={"username": "duty", "password": DUTY_PASSWORD}).status_code in (200, 303)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    host, port = server.removeprefix("http://").split(":")

    async def scenario():
        async def listen():
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"GET /events?topics=incidents HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                         f"Accept: text/event-stream\r\n\r\n".encode())
            await asyncio.wait_for(reader.readuntil(b"event: ready"), 10)
            return writer

        writers = await asyncio.gather(*(listen() for _ in range(25)))
        started = time.monotonic()
        page = await asyncio.to_thread(client.get, "/incidents")
        for w in writers:
            w.close()
        return page.status_code, time.monotonic() - started

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
        status, seconds = pool.submit(asyncio.run, scenario()).result()
    assert status == 200 and seconds < 5, (status, seconds)
