"""The contact-methods page as a leader would use it, on both databases: add a mobile, get a code, enter it wrong
and right, add a rule; the list shows 未验证 until then; refusals come back on the page with the reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from models.deliveries import Delivery
from tests.conftest import PASSWORD
from tests.incidents.conftest import Clock
from web.console.forms import FLASH_COOKIE, read_flash


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_leader_verifies_a_mobile_and_sets_a_rule_from_the_console(client, app, session, users, directory):
    app.state.clock = Clock(datetime(2026, 7, 14, 18, 10, tzinfo=UTC))
    me = directory["people"]["hub"]
    users["leader"].person_id = me.id
    session.add(users["leader"])
    session.commit()
    csrf = _login(client, "u_leader")
    r = client.get("/me/contacts", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/people/{me.id}/contacts"
    page = client.get(f"/people/{me.id}/contacts").text
    assert 'id="no-usable"' in page and "暂无联系方式" in page and 'id="add-rule"' not in page

    r = client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/new", data={"csrf_token": csrf, "kind": "mobile", "value": "1390000"})
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE)).get("error")
    assert "11位中国大陆手机号" in client.get(r.headers["location"]).text
    r = client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/new", data={"csrf_token": csrf, "kind": "mobile",
                                                          "value": "139 0000 1234", "label": "工作手机"})
    assert read_flash(r.cookies.get(FLASH_COOKIE)).get("notice") == "ct.notice.added"
    page = client.get(f"/people/{me.id}/contacts").text
    assert "13900001234" in page and "未验证" in page and "发送验证码" in page
    mid = re.search(r'data-method="([^"]+)" data-verified="no"', page).group(1)

    client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/{mid}/send-code", data={"csrf_token": csrf})
    code = re.search(r"\d{6}", session.exec(select(Delivery).where(Delivery.source == "contact_verify")).one().text
                     ).group(0)
    page = client.get(f"/people/{me.id}/contacts").text
    assert "验证码已发出（排队中），02:20前有效" in page  # 18:20 UTC is 02:20 in Asia/Shanghai
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/{mid}/verify", data={"csrf_token": csrf, "code": wrong})
    assert "还可再试4次" in client.get(r.headers["location"]).text
    r = client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/{mid}/verify", data={"csrf_token": csrf, "code": code})
    page = client.get(r.headers["location"]).text
    assert "验证成功" in page and 'data-verified="yes"' in page and 'id="add-rule"' in page

    r = client.post(follow_redirects=False, url=f"/people/{me.id}/contacts/rules/new", data={"csrf_token": csrf, "via": f"{mid}:voice",
                                                                "delay_minutes": "5"})
    page = client.get(r.headers["location"]).text
    assert "通知规则已添加" in page and "5分钟后" in page and "语音电话" in page and 'id="no-usable"' not in page

    other = directory["people"]["t1"]
    assert client.get(f"/people/{other.id}/contacts").status_code == 403  # another person's page
    people = client.get("/people").text
    assert f'href="/people/{me.id}/contacts"' in people and f'href="/people/{other.id}/contacts"' not in people


def test_an_account_without_a_person_is_told_so(client, app, users):
    _login(client, "u_duty_officer")
    page = client.get("/me/contacts")
    assert page.status_code == 200 and 'id="not-linked"' in page.text
