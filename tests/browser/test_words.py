"""zh-CN pages speak Chinese: no internal enum value or English sentence on a page, for any role; and
English pages speak English: no Chinese words outside the data.

What a page shows as-is is marked as such: identifiers in <code> (usernames, unit codes, ids), message
text and configuration in <pre>, and addresses (URLs). Data written in Chinese (names of people, units and
places, incident titles, notes people typed) sits in an element with lang="zh-CN". Everything else must be
words people read in the page's language."""

from __future__ import annotations

import re

import pytest

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.test_console import log_in

pytestmark = pytest.mark.browser
# names of products and formats, written the same in Chinese
ALLOWED = {"EN", "dutydesk", "docx", "iCal", "CSV", "csv", "Excel", "xlsx", "PDF", "API", "URL", "SMS", "IVR", "Webhook",
           "Twilio", "Apprise", "ECharts", "JSON", "ms", "WPS", "xls"}
# Known and not yet fixed (issue 14, with the incident page's rework in issue 17): the escalation state, the
# policy's id, the timeline's channel names and the demo's actor, on incident pages only; anything else
# anywhere fails. Shrink the list as they are fixed.
STILL_TO_FIX = {"/incidents/": {"active", "stopped", "exhausted", "demo-seed", "inbox", "severe", "routine", "webhook",
                                "console", "link", "written", "phone"}}
VISIBLE_TEXT = """() => {
  const root = (document.querySelector('main') || document.body).cloneNode(true);
  root.querySelectorAll('code, pre, script, style, [hidden]').forEach((el) => el.remove());
  return root.innerText.replace(/https?:\\/\\/\\S+/g, ' ');
}"""


VISIBLE_TEXT_EN = """(parts) => {
  const root = (document.querySelector('main') || document.body).cloneNode(true);
  root.querySelectorAll(['code, pre, script, style, [hidden], [lang=zh-CN]', ...parts].join(', '))
    .forEach((el) => el.remove());
  return root.innerText;
}"""
# Chinese characters and the full-width punctuation that goes with them (（）：、，。…).
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]+")
# Known and not yet fixed in English mode: pages another engineer is rewriting (issue 14 with 17) and text
# made outside the console's words. Each entry: a path prefix (a page and the pages under it), the reason,
# and the Chinese runs accepted there; "*" accepts any (the whole page is still to do). A path ending in "/"
# covers the pages under it, any other path only itself. Shrink as fixed.
STILL_TO_FIX_EN: dict[str, tuple[str, set[str]]] = {
    # not to be touched here: incident.html, incident_form.html and ack.html are being rewritten (issue 17)
    "/incidents/": ("incident.html, incident_form.html, ack.html: being rewritten", {"*"}),
    # pages outside this round's list; their Chinese comes from templates and panel functions still to convert
    "/": ("dashboard panels: rows made as zh strings by the features' panel functions", {"*"}),
    "/incidents": ("incidents.html: grades, countdown units, deadlines", {"*"}),
    "/wall": ("wall.html: grades and chart labels", {"*"}),
    "/inbox": ("inbox.html: message subjects are data but not marked", {"*"}),
    "/deliveries": ("deliveries.html: subjects and recipients not marked as data", {"*"}),
    "/units": ("units.html: names not marked as data", {"*"}),
    "/people": ("people.html: names, titles, units not marked as data", {"*"}),
    "/accounts": ("accounts.html: names and units not marked as data", {"*"}),
    "/channels": ("channels.html: channel titles not marked as data", {"*"}),
    "/leave-pairs": ("leave_pairs.html: names and titles in its selects not marked as data", {"*"}),
    "/spotchecks": ("spotchecks.html: the policy summary and unit names", {"*"}),
}
# Parts of converted pages whose text is made in Chinese outside the console (rules/ and services/ write it
# zh-only): the rosters' "why this person", gaps and substitutes.
STILL_TO_FIX_EN_PARTS = {
    "details.why small": "rules/rosters/explain.py: why this person, zh only",
    ".gap-text": "services/rosters/gaps.py: the gap's text, zh only",
    "ol.subs": "services/rosters/gaps.py: substitutes' text, zh only",
}


def _chinese_words(text: str) -> set[str]:
    return set(CHINESE.findall(text))


def _english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_\-]{2,}", text) if w not in ALLOWED}


@pytest.mark.parametrize("username", [u for u, *_ in DEMO_ACCOUNTS])
def test_no_english_or_internal_words_on_zh_cn_pages(page, username):
    password = next(p for u, p, *_ in DEMO_ACCOUNTS if u == username)
    log_in(page, username, password)
    page.wait_for_url(lambda url: "/login" not in url)
    landing = "/" + page.url.split("/", 3)[3]
    paths = [landing] + [a.get_attribute("href") for a in page.locator("nav#nav a").all()]
    if page.locator("nav#nav a[href='/incidents']").count():
        page.goto("/incidents")
        first = page.locator("#board a[href^='/incidents/']").first
        if first.count():
            paths.append(first.get_attribute("href"))
    leaks = {}
    for path in paths:
        page.goto(path)
        found = _english_words(page.evaluate(VISIBLE_TEXT))
        for prefix, known in STILL_TO_FIX.items():
            if path.startswith(prefix) and path != prefix.rstrip("/"):
                found -= known
        if found:
            leaks[path] = sorted(found)[:15]
    assert not leaks, f"English or internal words on zh-CN pages as {username}: {leaks}"


def _menu_paths(page) -> list[str]:
    landing = "/" + page.url.split("/", 3)[3]
    paths = [landing] + [a.get_attribute("href") for a in page.locator("nav#nav a").all()]
    if page.locator("nav#nav a[href='/incidents']").count():
        page.goto("/incidents")
        first = page.locator("#board a[href^='/incidents/']").first
        if first.count():
            paths.append(first.get_attribute("href"))
    return paths


@pytest.mark.parametrize("username", [u for u, *_ in DEMO_ACCOUNTS])
def test_no_chinese_words_on_english_pages(page, username):
    password = next(p for u, p, *_ in DEMO_ACCOUNTS if u == username)
    log_in(page, username, password)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/?lang=en")  # the switch: a cookie, kept on every page after
    assert page.locator("html").get_attribute("lang") == "en"
    leaks = {}
    for path in _menu_paths(page):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en", path
        found = _chinese_words(page.evaluate(VISIBLE_TEXT_EN, list(STILL_TO_FIX_EN_PARTS)))
        bare = path.split("?")[0]
        for where, (_, known) in STILL_TO_FIX_EN.items():
            if bare == where or (where.endswith("/") and bare.startswith(where)):
                found = set() if "*" in known else found - known
        if found:
            leaks[path] = sorted(found)[:15]
    assert not leaks, f"Chinese words on English pages as {username}: {leaks}"
