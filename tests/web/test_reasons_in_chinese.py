"""No pydantic English on a zh-CN answer and no Chinese on an English one: "Value error, " prefixes and speedate's
"day value is outside expected range" (a date 2026-02-30) read as zh-CN reasons (web/problems.py)."""

from __future__ import annotations

from tests.conftest import PASSWORD


def _detail(r, field):
    assert r.status_code == 422, r.text
    (e,) = [e for e in r.json()["detail"] if e["loc"][-1] == field]
    return e["msg"]


def test_an_impossible_day_says_so_in_chinese_and_in_english(client, tokens, directory):
    body = {"person_id": str(directory["people"]["t1"].id), "start_day": "2026-02-30", "end_day": "2026-03-02"}
    zh = _detail(client.post("/api/leaves", json=body, headers=tokens["duty_officer"]), "start_day")
    assert zh == "“start_day”须为日期（YYYY-MM-DD）：该月没有这一天"
    en = _detail(client.post("/api/leaves", json=body, headers={**tokens["duty_officer"], "Accept-Language": "en"}),
                 "start_day")
    assert "day value is outside expected range" in en and "须为" not in en


def test_a_validators_own_words_have_no_value_error_prefix_in_either_language(client, tokens, directory):
    body = {"title": "滑坡", "category": "natural_disaster", "unit_id": str(directory["town"].id),
            "received_at": "2026-12-02T10:00:00+08:00", "deaths": "很多"}
    zh = _detail(client.post("/api/incidents", json=body, headers=tokens["duty_officer"]), "deaths")
    assert zh == "“deaths”须为人数或“待核实”"
    en = _detail(client.post("/api/incidents", json=body, headers={**tokens["duty_officer"], "Accept-Language": "en"}),
                 "deaths")
    assert en == "deaths: must be a count, or unverified"
    r = client.patch(f"/api/people/{directory['people']['t1'].id}", json={"name": None}, headers=tokens["admin"])
    zh = _detail(r, "name")
    assert "Value error" not in zh and "may not be null" not in zh and "不能为空" in zh


def test_a_console_form_names_the_field_and_the_reason_in_the_page_language(client, users, directory):
    client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    page = client.get("/leaves", headers={"accept": "text/html"}).text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "person_id": str(directory["people"]["t1"].id), "start_day": "2026-02-30",
            "start_half": "am", "end_day": "2026-03-02", "end_half": "pm"}
    def shown():  # a refused form comes back with what was typed: the reason in the summary, by the form's label
        r = client.post("/leaves", data=form, headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 422 and 'value="2026-02-30"' in r.text
        return r.text.split('href="#f-start_day">', 1)[1].split("<", 1)[0]
    assert shown() == "开始：须为日期（YYYY-MM-DD）：该月没有这一天"
    client.cookies.set("dutydesk_lang", "en")
    shown = shown()
    assert "day value is outside expected range" in shown and "日" not in shown
