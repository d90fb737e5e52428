"""Issue 14: the acknowledgement page (a leader's phone, from the SMS link, no account) speaks as the console does:
English when the language switch (or its cookie) says so, else the configured default (zh-CN), whatever the
phone's Accept-Language."""

from __future__ import annotations

import re

import pytest

from tests.incidents.test_ack_link_holders import fired  # noqa: F401  (the fixture)

HTML = {"accept": "text/html"}
CJK = re.compile("[\u4e00-\u9fff]")


def _shell(text: str) -> str:
    """The page without what people wrote (title, place, names: marked lang=zh-CN) and the 中文 switch."""
    return re.sub(r'<[^>]+lang="zh-CN"[^>]*>[^<]*</[a-z0-9]+>', "", text)


@pytest.mark.parametrize("how", [{"cookie": "en"}, {"params": {"lang": "en"}}])
def test_the_page_is_english_when_the_switch_or_its_cookie_asks(client, fired, how):  # noqa: F811
    _, _, link = fired
    client.cookies.clear()
    if how.get("cookie"):
        client.cookies.set("dutydesk_lang", how["cookie"])
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


def test_an_english_phone_gets_the_consoles_chinese_page_and_a_switch(client, fired):  # noqa: F811
    """An en-US phone got English while the console (DUTYDESK_WEB__DEFAULT_LANGUAGE=zh-CN) spoke Chinese."""
    _, _, link = fired
    client.cookies.clear()
    for headers in ({}, {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}, {"accept-language": "en-US,en;q=0.9"}):
        page = client.get(link, headers={**HTML, **headers})
        assert '<html lang="zh-CN">' in page.text and "确认收到</button>" in page.text
        assert "自然灾害 · Ⅱ级 重大" in page.text and "伤亡：死亡2人、受伤待核实、失联3人" in page.text
        assert "Acknowledge" not in page.text
        assert re.search(r'<a href="[^"]*lang=en" lang="en"\s*>EN</a>', page.text)  # the console's 中文 | EN switch


def test_a_bad_link_says_why_in_english(client):
    page = client.get("/ack/not-a-token", headers=HTML, params={"lang": "en"})
    assert page.status_code == 404 and "Cannot acknowledge" in page.text and "invalid link" in page.text
    assert not CJK.search(page.text.replace("中文", ""))
