"""Accessibility: axe-core (shipped inside axe-playwright-python, no download) over every menu page of every
role, at desktop and phone size: no serious or critical violation."""

from __future__ import annotations

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in
from tests.browser.test_phone import PHONE_UA

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("username", [u for u, *_ in DEMO_ACCOUNTS])
def test_no_serious_accessibility_violation_on_any_page(browser, server, username, size):
    from axe_playwright_python.sync_playwright import Axe

    phone = size == "phone"
    context = browser.new_context(base_url=server, locale="zh-CN", is_mobile=phone,
                                  viewport={"width": 390, "height": 844} if phone else {"width": 1366, "height": 800},
                                  user_agent=PHONE_UA if phone else None)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, username, next(p for u, p, *_ in DEMO_ACCOUNTS if u == username))
        page.wait_for_url(lambda url: "/login" not in url)
        paths = ["/" + page.url.split("/", 3)[3]] + [a.get_attribute("href") for a in page.locator("nav#nav a").all()]
        axe, found = Axe(), []
        for path in dict.fromkeys(paths):
            page.goto(path)
            for v in axe.run(page).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    found.append(f"{path}: {v['id']} ({v['impact']}) at {v['nodes'][0]['target']}: {v['help']}")
        assert not found, "\n".join(found)
    finally:
        context.close()
