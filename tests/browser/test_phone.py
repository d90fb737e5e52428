"""The console on a phone (390×844, a phone's user agent), as each role: first screens and no sideways scrolling."""

from __future__ import annotations

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in

pytestmark = pytest.mark.browser
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, user_agent=PHONE_UA,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()


def test_a_leader_on_a_phone_sees_first_what_needs_them(phone):
    log_in(phone, "leader", "dutydesk-leader")
    phone.wait_for_url("**/")
    mine = phone.locator("#mine")
    first = mine.locator("a.button").first  # the demo notifies this leader of open incidents
    box = first.bounding_box()
    assert box and box["y"] + box["height"] < 844, "the first incident waiting for the leader is below the first screen"
    assert box["height"] >= 44, "a tap target smaller than a finger"
    assert "待我确认" in mine.inner_text()
    # the 21-row on-duty table is folded away for a leader, and its duty phones are one tap to call
    on_duty = phone.locator("#on-duty details")
    assert on_duty.get_attribute("open") is None
    phone.locator("#on-duty summary").click()
    assert phone.locator("#on-duty a[href^='tel:']").count() >= 10
    # the header is one line, not 15 wrapped links
    assert phone.locator("header.top").bounding_box()["height"] <= 76  # one row of 44-px controls
    assert not phone.locator("nav#nav").is_visible()
    phone.click(".nav-toggle")
    assert phone.locator("nav#nav").is_visible()


@pytest.mark.parametrize("username", [u for u, *_ in DEMO_ACCOUNTS])
def test_no_page_of_the_menu_scrolls_sideways_on_a_phone(phone, username):
    password = next(p for u, p, *_ in DEMO_ACCOUNTS if u == username)
    log_in(phone, username, password)
    phone.wait_for_url(lambda url: "/login" not in url)
    landing = "/" + phone.url.split("/", 3)[3]  # "/" for people, "/wall" for the wall screen's account
    links = [landing] + [a.get_attribute("href") for a in phone.locator("nav#nav a").all()]
    wide = {}
    for path in links:
        r = phone.goto(path)
        assert r.status == 200, (path, r.status)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert not wide, f"pages wider than the phone (px): {wide}"
