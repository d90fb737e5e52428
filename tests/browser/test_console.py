"""The console in headless Chromium: the demo duty officer logs in, sees today's page and the units."""

from __future__ import annotations

import pytest

from dutydesk.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser
DUTY_PASSWORD = next(password for username, password, *_ in DEMO_ACCOUNTS if username == "duty")


def log_in(page, username: str, password: str, start: str = "/login") -> None:
    page.goto(start)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_duty_officer_sees_dashboard_and_units(page):
    log_in(page, "duty", DUTY_PASSWORD, start="/units")  # anonymous: sent to /login?next=/units
    page.wait_for_url("**/units")
    page.goto("/")
    assert page.locator("h1").first.inner_text().startswith("今日值班")
    page.screenshot(path="/tmp/dutydesk-dashboard.png", full_page=True)
    page.click("nav#nav a[href='/units']")
    page.wait_for_url("**/units")
    assert page.get_by_role("cell", name="高观镇", exact=True).count() == 1
    page.screenshot(path="/tmp/dutydesk-units.png", full_page=True)


def test_switching_to_english(page):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    page.click("header .lang a[lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("Today")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/units")  # the choice sticks (cookie)
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path="/tmp/dutydesk-english.png", full_page=True)


def test_wrong_password_shows_the_error(page):
    log_in(page, "duty", "not-the-password")
    alert = page.get_by_role("alert")
    assert "用户名或密码错误" in alert.inner_text()
    assert "/login" in page.url
    page.screenshot(path="/tmp/dutydesk-login-failed.png")
