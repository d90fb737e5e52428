"""A night duty officer's 续报 on both databases: new figures re-run the grade suggestion (the page asks to re-grade,
one click does it, the change is audited); a refused 续报 keeps what was typed and says why at the field, in the
page's language with the form's own labels; an empty 续报 is refused."""

from __future__ import annotations

import re
import uuid

from sqlmodel import select

from models.audit import AuditEntry
from models.incidents.records import Incident, Report
from tests.conftest import PASSWORD


def _login(client, user="u_duty_officer"):
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _opened(client, county, csrf, **kw) -> uuid.UUID:
    data = {"title": "高观镇煤矿透水", "category": "accident", "unit_id": str(county["town"].id),
            "received_at": "2026-07-15T02:10", "place": "高观镇", "deaths": "待核实", "first_report": "on",
            "csrf_token": csrf, **kw}
    r = client.post("/incidents/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return uuid.UUID(r.headers["location"].rsplit("/", 1)[1])


def _unverified(reason: str) -> str:
    """The names in a suggestion's "；…待核实，未计入" clause."""
    m = re.search(r"；([^；]*)待核实，未计入", reason)
    return m.group(1) if m else ""


def test_a_followup_with_new_deaths_asks_to_regrade_and_one_click_sets_it(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client)
    iid = _opened(client, county, csrf)
    inc = session.get(Incident, iid)
    assert inc.grade == 4 and "deaths" in inc.suggested_basis["unverified"]
    assert 'id="regrade-alert"' not in client.get(f"/incidents/{iid}").text
    r = client.post(f"/incidents/{iid}/reports", follow_redirects=False, data={
        "kind": "followup", "channel": "written", "content": "已确认3人遇难", "deaths": "3", "csrf_token": csrf})
    assert r.status_code == 303
    session.expire_all()
    inc = session.get(Incident, iid)
    assert inc.grade == 4  # never changed by itself
    assert inc.suggested_grade == 3 and "deaths" not in inc.suggested_basis["unverified"]
    assert "死亡人数3人" in inc.suggested_reason and "死亡人数" not in _unverified(inc.suggested_reason)
    page = client.get(f"/incidents/{iid}").text
    alert = re.search(r'<div class="alert-box" role="alert" id="regrade-alert"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "请重新定级" in alert and "Ⅲ级 较大" in alert and "当前为Ⅳ级" in alert and "死亡人数3人（≥3人）" in alert
    assert "死亡人数" not in _unverified(alert)
    form = re.search(r'<form[^>]*id="regrade-form"[^>]*>(.*?)</form>', alert, re.S).group(1)
    assert 'name="grade" value="3"' in form and "定为Ⅲ级" in form
    en = client.get(f"/incidents/{iid}?lang=en").text
    assert "New figures exceed the current grade" in en and "Set grade Ⅲ" in en
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "resuggest")).one()
    assert entry.entity_id == str(iid) and "Ⅳ级→Ⅲ级" in entry.note
    r = client.post(f"/incidents/{iid}/grade", data={"grade": "3", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Incident, iid).grade == 3
    assert 'id="regrade-alert"' not in client.get(f"/incidents/{iid}?lang=zh-CN").text


def _summary(html: str) -> str:
    """The error summary's text as read (no markup)."""
    box = re.search(r'<div class="error-summary[^>]*role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", " ", box)


def test_a_refused_followup_comes_back_with_what_was_typed_and_the_reason_at_its_field(client, app, users, county,
                                                                                        clock, session):
    app.state.clock = clock
    csrf = _login(client)
    iid = _opened(client, county, csrf)
    typed = {"kind": "followup", "channel": "phone", "content": "救援进展" * 2001, "handling": "已组织排水",
             "deaths": "3", "injured": "待核实", "csrf_token": csrf}
    r = client.post(f"/incidents/{iid}/reports", data=typed, follow_redirects=False)
    assert r.status_code == 422
    assert session.exec(select(Report).where(Report.kind == "followup")).first() is None
    summary = _summary(r.text)
    assert "内容：最多 8000 个字符" in summary and "String should" not in summary and "content" not in summary
    assert re.search(r'<p class="error" data-field="content" id="e-content">最多 8000 个字符', r.text)
    assert re.search(r'<textarea name="content" id="f-content"[^>]*aria-invalid="true"[^>]*>救援进展救援进展', r.text)
    assert 'name="handling" id="f-handling" value="已组织排水"' in r.text
    assert 'name="deaths" id="f-deaths" value="3"' in r.text and 'name="injured" id="f-injured" value="待核实"' in r.text
    assert '<option value="phone" selected>' in r.text
    bad = client.post(f"/incidents/{iid}/reports", data={**typed, "content": "续报", "deaths": "好几个"})
    assert bad.status_code == 422 and "死亡：须为人数" in _summary(bad.text) and "deaths" not in _summary(bad.text)
    client.cookies.set("dutydesk_lang", "en")
    en = client.post(f"/incidents/{iid}/reports", data=typed)
    assert en.status_code == 422 and "Content: String should have at most 8000 characters" in _summary(en.text)
    assert not re.search("[\u4e00-\u9fff]", _summary(en.text))


def test_an_empty_followup_is_refused_and_a_figure_alone_is_news(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client)
    iid = _opened(client, county, csrf)
    as_shown = {"kind": "followup", "channel": "written", "content": "  ", "deaths": "待核实", "csrf_token": csrf}
    r = client.post(f"/incidents/{iid}/reports", data=as_shown)  # the form as it comes: figures as they were
    assert r.status_code == 422 and "续报没有内容" in _summary(r.text)
    assert re.search(r'<p class="error" data-field="content" id="e-content">续报没有内容', r.text)
    assert session.exec(select(Report).where(Report.kind == "followup")).first() is None
    r = client.post(f"/incidents/{iid}/reports", data={**as_shown, "deaths": "1"}, follow_redirects=False)
    assert r.status_code == 303  # a new figure is a 续报's news


def test_a_title_of_spaces_is_no_title(client, app, users, county, clock, session, tokens):
    app.state.clock = clock
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json={
        "title": "   ", "category": "accident", "unit_id": str(county["town"].id),
        "received_at": clock.now.isoformat()})
    assert r.status_code == 422
    d = r.json()["detail"][0]
    assert d["loc"][-1] == "title" and "不能为空" in d["msg"]
    csrf = _login(client)
    r = client.post("/incidents/new", data={"title": " \u3000 ", "category": "accident", "csrf_token": csrf,
                                            "unit_id": str(county["town"].id), "received_at": "2026-07-15T02:10"})
    assert r.status_code == 422 and "事件名称：不能为空" in _summary(r.text)
    assert session.exec(select(Incident)).first() is None
    iid = _opened(client, county, csrf, title="  高观镇煤矿透水  ")
    assert session.get(Incident, iid).title == "高观镇煤矿透水"


def test_the_intake_form_in_english_has_no_chinese_words(client, app, users, county, clock):
    app.state.clock = clock
    _login(client)
    page = client.get("/incidents/new?lang=en").text
    for zh in ("已知要素", "伤亡情况", "按建议等级", "特别重大", "事故灾难"):
        assert zh not in page, zh
    assert "As suggested" in page and "Grade Ⅱ (Serious)" in page and "Accident" in page and "Casualties" in page
    assert "<legend>伤亡 " in client.get("/incidents/new?lang=zh-CN").text
