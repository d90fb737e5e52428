"""The wall display (值班大屏) in a real browser: the screen's own account, the panels, ECharts drawn, live."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.settings import get_settings
from tests.browser.test_console import DUTY_PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_the_duty_rooms_screen_shows_the_wall_and_nothing_else_and_updates_live(browser, server, page):
    screen = browser.new_context(base_url=server, viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
    screen.set_default_timeout(10_000)
    errors = []
    screen.on("pageerror", lambda e: errors.append(str(e)))
    try:
        log_in(screen, "wall", "dutydesk-wall")
        screen.wait_for_url("**/wall")
        screen.wait_for_selector("#live-state.on")
        for panel in ("#wall-incidents", "#wall-alerts", "#wall-duty", "#wall-checks", "#wall-charts"):
            assert screen.locator(panel).is_visible(), panel
        assert screen.locator("#wall-duty .duty-row").count() >= 20  # the county office, 10 towns, 10 departments
        # legible across the room, with headers that tell 带班 from 值班
        assert screen.locator("#wall-duty thead th").all_inner_texts() == ["单位", "带班领导", "值班员", "值班电话"]
        size = screen.locator("#wall-duty .duty-row td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 20, size
        screen.wait_for_selector("#chart-category svg")  # ECharts, served by the package itself
        assert screen.locator("#wall-incidents .countdown").count() >= 1
        assert screen.evaluate("document.documentElement.scrollWidth") <= 1920
        # read-only: the screen's account reaches nothing else
        assert screen.request.get("/incidents", max_redirects=0).status == 403
        front = screen.request.get("/", max_redirects=0)  # the front page sends the screen back to the wall
        assert front.status == 303 and front.headers["location"] == "/wall"

        title = f"大屏测试 {datetime.now().strftime('%H%M%S')} 龙泉镇民房火灾"
        log_in(page, "duty", DUTY_PASSWORD)
        page.wait_for_url("**/")
        page.goto("/incidents/new")
        now = datetime.now(get_settings().tz).strftime("%Y-%m-%dT%H:%M")
        page.fill("input[name=title]", title)
        page.select_option("select[name=category]", "accident")
        page.fill("input[name=type]", "火灾")
        page.select_option("select[name=unit_id]", label="龙泉镇")
        page.fill("input[name=received_at]", now)
        page.fill("input[name=place]", "龙泉镇新街")
        page.click("form button[type=submit]")
        page.wait_for_url("**/incidents/*")
        screen.locator("#wall-incidents tr", has_text=title).wait_for(timeout=8_000)
        screen.wait_for_selector("#chart-category svg")  # drawn again after the live swap
        assert not errors, errors
    finally:
        screen.context.close()


def test_the_wall_on_a_phone_shows_each_open_incident_as_a_card(browser, server):
    """390×844: the incidents table stacks as cards (like the console's tables) — the title heads each card, every
    other line is named (事件等级, 最近时限, 确认), and nothing is squeezed to a few characters a line."""
    from tests.browser.test_phone import PHONE_UA

    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        log_in(phone, "wall", "dutydesk-wall")
        phone.wait_for_url("**/wall")
        table = phone.locator("#wall-incidents table")
        table.and_(phone.locator("table.stacked")).wait_for()
        assert not phone.locator("#wall-incidents thead").is_visible()
        card = phone.locator("#wall-incidents tbody tr").first
        cells = card.locator("td")
        shown = "td => { const b = getComputedStyle(td, '::before'); return b.display === 'none' ? '' : b.content; }"
        labels = [cells.nth(i).evaluate(shown) for i in range(4)]
        assert labels == ["", '"事件等级"', '"最近时限"', '"确认"']  # the title needs no label
        box, title = card.bounding_box(), cells.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert title["width"] >= 300, "the title is squeezed into a narrow column"
        # the acknowledgement state reads on one line (未确认 was split over two)
        lines = phone.locator("#wall-incidents td .ok, #wall-incidents td .urgent").evaluate_all(
            "els => els.map(el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))")
        assert lines and max(lines) < 1.5, lines
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
