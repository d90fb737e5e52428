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
        leader.evaluate("window.__refetches = 0; const f = window.fetch; window.fetch = (...a) => {"  # live.js's
                        "if (a[1] && a[1].headers && a[1].headers['X-Live']) window.__refetches++; return f(...a); }")
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
        assert leader.evaluate("window.__refetches") == 0, "the board refetched itself: its event carried no regions"
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


def _second_officer_and_a_new_incident(browser, server, page, title: str, unit: str):
    """Another officer's page (not logged in yet), and an accident logged now by the first officer in `page`."""
    other = browser.new_context(base_url=server, viewport={"width": 1366, "height": 800}, locale="zh-CN").new_page()
    other.set_default_timeout(10_000)
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/incidents/new")
    now = datetime.now(get_settings().tz)
    page.fill("input[name=title]", f"{title[:4]} {now.strftime('%H%M%S')} {title[4:]}")
    page.select_option("select[name=category]", "accident")
    page.select_option("select[name=unit_id]", label=unit)
    page.fill("input[name=received_at]", now.strftime("%Y-%m-%dT%H:%M"))
    page.click("form button[type=submit]")
    page.wait_for_url("**/incidents/*")
    return other


def test_a_followup_reaches_an_open_incident_page_and_a_half_written_report_stays(browser, server, page):
    other = _second_officer_and_a_new_incident(browser, server, page, "续报实时县道货车面包车相撞", "青山镇")
    try:
        page.select_option("#report-form select[name=kind]", "first:written")
        page.click("#report-form button")
        page.locator("#reports-table tr").first.wait_for()
        url = page.url

        log_in(other, "duty", DUTY_PASSWORD)
        other.wait_for_url("**/")
        other.goto(url)
        other.wait_for_selector("#live-state.on")
        other.evaluate("window.__sameDocument = true")
        other.fill("#report-form textarea[name=content]", "尚未写完的续报")  # typed, then left
        other.locator("h1").click()

        page.select_option("#report-form select[name=kind]", "followup")
        page.fill("#report-form input[name=situation]", "货车与面包车正面相撞")
        page.click("#report-form button")
        page.wait_for_url(url)

        other.locator("#reports-table tr", has_text="续报一").wait_for(timeout=8_000)  # no reload: the row arrives
        assert other.evaluate("window.__sameDocument === true"), "the page was reloaded"
        assert other.locator("#report-form textarea[name=content]").input_value() == "尚未写完的续报"
        assert other.locator("#timeline").inner_text().count("续报一") == 1
    finally:
        other.context.close()


def test_a_field_being_typed_in_is_held_while_the_rest_of_the_page_updates(browser, server, page):
    """live.js's changed-field hold: an officer typing a grade-change reason in the incident's facts card keeps every
    letter (the same field, still focused) while another officer's 首报 arrives in the reports table; the facts card
    waits while the field holds text the page did not give (typed, then left), and catches up once it is cleared."""
    other = _second_officer_and_a_new_incident(browser, server, page, "保留输入石桥镇仓库火灾", "石桥镇")
    try:
        url = page.url

        log_in(other, "duty", DUTY_PASSWORD)
        other.wait_for_url("**/")
        other.goto(url)
        other.wait_for_selector("#live-state.on")
        other.evaluate("window.__sameDocument = true")
        reason = other.locator("#facts input[name=reason]")
        reason.click()
        reason.press_sequentially("现场核实死亡人数上升", delay=20)
        reason.evaluate("el => { el.__mine = true; }")  # the very node the officer is typing in
        assert other.locator("#facts #received-by-me").count() == 0

        # the other officer reports the 首报 and signs for the incident: the reports table and the facts change
        page.select_option("#report-form select[name=kind]", "first:written")
        page.click("#report-form button")
        page.wait_for_url(url)
        page.click("#receipt-form button")
        page.locator("#received-by-me").wait_for()

        other.locator("#reports-table tr", has_text="首报").wait_for(timeout=8_000)  # the rest of the page: live
        other.wait_for_timeout(1_000)  # time for the facts card's refetch too
        assert other.evaluate("window.__sameDocument === true"), "the page was reloaded"
        assert reason.input_value() == "现场核实死亡人数上升"
        assert reason.evaluate("el => el.__mine === true && document.activeElement === el"), "the field was swapped"
        assert other.locator("#facts #received-by-me").count() == 0  # held: the card waits for the officer

        other.locator("h1").click()  # left, still holding the typed reason: the card keeps waiting
        other.wait_for_timeout(1_500)
        assert reason.input_value() == "现场核实死亡人数上升" and reason.evaluate("el => el.__mine === true")
        assert other.locator("#facts #received-by-me").count() == 0

        reason.fill("")  # the officer gives up the change: the held card catches up when the field is left
        other.locator("h1").click()
        other.locator("#facts #received-by-me").wait_for(timeout=5_000)
        assert other.evaluate("window.__sameDocument === true"), "the page was reloaded"
        assert not other.locator("#facts input[name=reason]").evaluate("el => el.__mine === true")  # fresh card
    finally:
        other.context.close()
