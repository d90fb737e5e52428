"""Issue 14: the acknowledgement page (a leader's phone, from the SMS link, no account) speaks the browser's
language: English when Accept-Language prefers it or the language switch says so, zh-CN otherwise."""

from __future__ import annotations

import re

import pytest

from tests.incidents.test_ack_link_holders import fired  # noqa: F401  (the fixture)

HTML = {"accept": "text/html"}
CJK = re.compile("[\u4e00-\u9fff]")


def _shell(text: str) -> str:
    """The page without what people wrote (title, place, names: marked lang=zh-CN) and the 中文 switch."""
    return re.sub(r'<[^>]+lang="zh-CN"[^>]*>[^<]*</[a-z0-9]+>', "", text)


@pytest.mark.parametrize("how", [{"headers": {"accept-language": "en-US,en;q=0.9,zh-CN;q=0.5"}},
                                 {"params": {"lang": "en"}}])
def test_the_page_is_english_when_the_browser_or_the_switch_asks(client, fired, how):  # noqa: F811
    _, _, link = fired
    client.cookies.clear()
    looked = client.get(link, headers={**HTML, **how.get("headers", {})}, params=how.get("params"))
    assert looked.status_code == 200
    assert '<html lang="en">' in looked.text and "Acknowledge</button>" in looked.text
    assert "Natural disaster · Grade Ⅱ (Serious)" in looked.text
    assert "Casualties: Deaths 2, Injured to be verified, Missing 3" in looked.text
    assert "高观镇山体滑坡" in looked.text  # the incident's own words stay as written
    assert not CJK.search(_shell(looked.text)), _shell(looked.text)
    done = client.post(link, headers={**HTML, **how.get("headers", {})}, params=how.get("params"))
    assert done.status_code == 200 and "带班领导周文静 acknowledged at" in done.text and "Thank you!" in done.text
    assert not CJK.search(_shell(done.text).replace("带班领导周文静", ""))
    again = client.get(link, headers={**HTML, **how.get("headers", {})}, params=how.get("params"))
    assert "link already used" not in again.text and "acknowledged at" in again.text


def test_a_chinese_browser_gets_the_chinese_page(client, fired):  # noqa: F811
    _, _, link = fired
    client.cookies.clear()
    for headers in ({}, {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}):
        page = client.get(link, headers={**HTML, **headers})
        assert '<html lang="zh-CN">' in page.text and "确认收到</button>" in page.text
        assert "自然灾害 · Ⅱ级 重大" in page.text and "伤亡：死亡2人、受伤待核实、失联3人" in page.text
        assert "Acknowledge" not in page.text


def test_a_bad_link_says_why_in_english(client):
    page = client.get("/ack/not-a-token", headers={**HTML, "accept-language": "en"})
    assert page.status_code == 404 and "Cannot acknowledge" in page.text and "invalid link" in page.text
    assert not CJK.search(page.text.replace("中文", ""))
