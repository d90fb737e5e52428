"""A console form the request boundary refuses (NUL or another control character, a form not in UTF-8) answers a
page in the console's language naming the field, with a way back to the form: a duty officer who pasted from
another document reads what to fix, not raw JSON. The API keeps its JSON refusal."""

from __future__ import annotations

from sqlmodel import select

from models.incidents.records import Incident
from tests.conftest import PASSWORD

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _logged_in(client, username="u_duty_officer") -> str:
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/incidents/new", headers=BROWSER)
    assert page.status_code == 200
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _incident_form(csrf: str, **changes) -> dict:
    return {"csrf_token": csrf, "title": "高观镇山体滑坡", "category": "natural_disaster", "type": "山体滑坡",
            "received_at": "2026-12-02T10:00", "occurred_at": "2026-12-02T09:40", "place": "青龙村3组",
            "source": "电话报告", "reporter": "李明", "reporter_contact": "13800001111", **changes}


def test_a_nul_in_a_console_form_is_a_page_naming_the_field_in_chinese(client, users, directory, session):
    csrf = _logged_in(client)
    r = client.post("/incidents/new", data=_incident_form(csrf, unit_id=str(directory["town"].id),
                                                          place="青龙村\x003组"),
                    headers={**BROWSER, "Referer": "http://testserver/incidents/new"}, follow_redirects=False)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "“地点”含有不允许的控制字符 U+0000" in r.text and 'data-field="place"' in r.text
    assert '<a href="/incidents/new">返回表单</a>' in r.text
    assert session.exec(select(Incident)).first() is None  # nothing written


def test_the_refusal_page_follows_the_language_and_never_links_away(client, users, directory):
    csrf = _logged_in(client)
    client.cookies.set("dutydesk_lang", "en")
    r = client.post("/incidents/new", data=_incident_form(csrf, title="滑坡\x07", unit_id=str(directory["town"].id)),
                    headers={**BROWSER, "Referer": "http://evil.example/phish"}, follow_redirects=False)
    assert r.status_code == 422 and "Title: contains a control character that is not allowed (U+0007" in r.text
    assert '<a href="/">Back to the form</a>' in r.text


def test_the_api_and_scripts_still_get_the_json_refusal(client, tokens):
    r = client.post("/login", content="username=u_admin%00&password=x", follow_redirects=False,
                    headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "username"]
    r = client.post("/api/incidents", json={"title": "a\x00"}, headers={**tokens["admin"], **BROWSER})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "title"]


def test_a_console_link_to_another_units_roster_or_a_cut_address_is_a_page_not_json(client, users, directory):
    """A unit reporter following a link to another unit's roster reads why on a console page; an address with a
    broken id says which part is wrong. The API answers the same refusals as JSON."""
    client.post("/login", data={"username": "u_unit_reporter", "password": PASSWORD}, follow_redirects=False)
    other = directory["dept"].id
    r = client.get(f"/rosters/{other}/2026-12/print", headers=BROWSER)
    assert r.status_code == 403 and "text/html" in r.headers["content-type"], r.text[:200]
    assert "本单位" in r.text and '"detail"' not in r.text
    r = client.get("/rosters/not-a-unit/2026-12/print", headers=BROWSER)
    assert r.status_code == 422 and "text/html" in r.headers["content-type"] and "无效" in r.text
    api = client.get(f"/api/rosters/{other}/2026-12", headers=BROWSER)
    assert api.status_code in (403, 404) and api.headers["content-type"].startswith("application/json")


def test_a_console_address_answers_a_page_whoever_asks_not_the_apis_json(client, users):
    """curl or a script that does not ask for JSON gets the console's page too (testers found raw JSON for
    /audit?page=-1 and for a NUL in the login form); the page says which part is wrong, in the page's language."""
    r = client.post("/login", content="username=u_admin%00&password=x", follow_redirects=False,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "“用户名”含有不允许的控制字符 U+0000" in r.text and '"detail"' not in r.text
    client.post("/login", data={"username": "u_auditor", "password": PASSWORD}, follow_redirects=False)
    r = client.get("/audit?page=-1")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "“页码”无效" in r.text and '"detail"' not in r.text
    r = client.get("/audit?page=-1&lang=en")
    assert "invalid Page" in r.text and "页码" not in r.text
    r = client.get("/no-such-page?lang=zh-CN")
    assert r.status_code == 404 and "未找到此页面" in r.text and "Not Found" not in r.text
    assert client.get("/api/no-such-thing").headers["content-type"].startswith("application/json")
    assert client.get("/audit?page=-1", headers={"Accept": "application/json"}).json()["detail"][0]["loc"] == \
        ["query", "page"]
