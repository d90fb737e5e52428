"""Issue 17: an acknowledgement link acknowledges for its person, so only its recipient may hold it. The duty
office's 发送记录 (page, API) shows a label instead of the link; a link opened in someone else's console session
is refused (403, audited with the real account); the recipient's own console session records 控制台."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.deliveries import Delivery
from models.incidents.escalation import Acknowledgement
from services.incidents import escalation
from tests.conftest import PASSWORD
from tests.incidents.conftest import landslide

HTML = {"accept": "text/html"}
ZH_LABEL, EN_LABEL = "（确认链接，仅收件人可用）", "(acknowledgement link, for the recipient only)"


@pytest.fixture
def fired(client, app, clock, county, tokens, users, session, settings):
    """A landslide whose first step reached the duty leader 带班领导周文静 (account u_leader is that person)."""
    app.state.clock = clock
    users["leader"].person_id = county["leader"].id
    session.add(users["leader"])
    session.commit()
    inc = client.post("/api/incidents", headers=tokens["duty_officer"],
                      json=landslide(county["town"].id, clock.now)).json()
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    session.commit()
    row = session.exec(select(Delivery).where(Delivery.person_id == county["leader"].id,
                                              Delivery.ack_url.is_not(None))).first()
    return inc, row, "/ack/" + row.ack_url.split("/ack/")[1]


def _login(client, username):
    client.cookies.clear()
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def test_the_duty_office_and_the_auditor_never_see_a_usable_link(client, fired, tokens):
    _, row, link = fired
    token = link.removeprefix("/ack/")
    for username in ("u_duty_officer", "u_auditor"):
        _login(client, username)
        for path in ("/deliveries", f"/deliveries/{row.id}"):
            page = client.get(path, headers=HTML)
            assert page.status_code == 200 and token not in page.text, (username, path)
        detail = client.get(f"/deliveries/{row.id}", headers=HTML).text
        assert ZH_LABEL in detail and "高观镇山体滑坡" in detail  # what was sent is still readable
        assert EN_LABEL in client.get(f"/deliveries/{row.id}?lang=en", headers=HTML).text
    for role in ("duty_officer", "auditor", "admin"):
        listed = client.get("/api/deliveries", headers=tokens[role])
        one = client.get(f"/api/deliveries/{row.id}", headers=tokens[role])
        assert token not in listed.text and token not in one.text, role
        assert one.json()["ack_url"] is None and "确认链接，仅收件人可用" in one.json()["text"]


def test_the_recipient_keeps_their_own_link(client, fired, tokens):
    _, row, link = fired
    _login(client, "u_leader")
    assert link in client.get(f"/deliveries/{row.id}", headers=HTML).text
    assert client.get(f"/api/deliveries/{row.id}", headers=tokens["leader"]).json()["ack_url"].endswith(link)


@pytest.mark.parametrize("lang, words", [("zh-CN", "这条确认链接是发给带班领导周文静的，不能代他确认；请在事件页用您自己的账号操作"),
                                         ("en", "this acknowledgement link was sent to another person and cannot acknowledge for them")])
def test_a_link_opened_in_someone_elses_session_is_refused_and_audited(client, fired, session, tokens, lang, words):
    inc, _, link = fired
    _login(client, "u_duty_officer")
    looked = client.get(f"{link}?lang={lang}", headers=HTML)
    clicked = client.post(f"{link}?lang={lang}", headers=HTML)
    for r in (looked, clicked):
        assert r.status_code == 403 and words in r.text and "确认收到</button>" not in r.text
    detail = client.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()
    assert detail["incident"]["acknowledged_at"] is None  # the escalation goes on
    assert not session.exec(select(Acknowledgement).where(Acknowledgement.kind == "ack")).all()
    refused = session.exec(select(AuditEntry).where(AuditEntry.action == "access_refused",
                                                    AuditEntry.entity_id == inc["id"])).all()
    assert [e.actor for e in refused] == ["u_duty_officer", "u_duty_officer"]
    token = link.removeprefix("/ack/")
    assert all(token not in json.dumps([e.after, e.note]) for e in refused)  # the audit log holds no usable link

    client.cookies.clear()  # the leader's phone: no session, the link works as before
    ok = client.post(link, headers=HTML)
    assert ok.status_code == 200 and "带班领导周文静 已确认收到" in ok.text
    ack = session.exec(select(Acknowledgement).where(Acknowledgement.kind == "ack")).one()
    assert ack.via == "wecom_link" and ack.stopped  # the default ladder's first rung: the link came by WeCom


def test_the_recipients_own_session_acknowledges_as_the_console(client, fired, session, tokens):
    inc, _, link = fired
    _login(client, "u_leader")
    ok = client.post(link, headers=HTML)
    assert ok.status_code == 200 and "带班领导周文静 已确认收到" in ok.text
    ack = session.exec(select(Acknowledgement).where(Acknowledgement.kind == "ack")).one()
    assert ack.via == "console" and ack.stopped
    timeline = client.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()["timeline"]
    assert any(e["kind"] == "ack" and "控制台" in e["text"] for e in timeline)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "acknowledge")).one()
    assert entry.actor == "u_leader" and "经控制台确认" in entry.note


def test_every_link_in_a_text_becomes_the_label():
    from services.incidents.acks import hide_links

    text = ("高观镇山体滑坡（代县长赵国华）确认收到：https://duty.example.gov.cn:8443/ack/Ab-_9.1784139000.x_Y=\n"
            "备用：/ack/zz.1.q 请尽快确认")
    shown = hide_links(text, "zh-CN")
    assert "/ack/" not in shown and shown.count(ZH_LABEL) == 2
    assert shown.startswith("高观镇山体滑坡（代县长赵国华）确认收到：") and shown.endswith(" 请尽快确认")
    assert hide_links("no link here", "en") == "no link here" and hide_links(None) is None


def test_a_recipient_whose_account_cannot_see_the_incident_still_acknowledges_by_the_link(
        client, app, clock, county, users, session, settings, tokens):
    """Issue 17: the escalation reached a person whose console account is another unit's (a unit reporter of the
    department, here): signed in, the link still acknowledges for them, as the link, and the page shows only the
    link's summary; their account still does not see the incident."""
    app.state.clock = clock
    reporter = users["unit_reporter"]
    reporter.person_id, reporter.unit_id = county["leader"].id, county["dept"].id
    session.add(reporter)
    session.commit()
    inc = client.post("/api/incidents", headers=tokens["duty_officer"],
                      json=landslide(county["town"].id, clock.now)).json()
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    session.commit()
    row = session.exec(select(Delivery).where(Delivery.person_id == county["leader"].id,
                                              Delivery.ack_url.is_not(None))).first()
    link = "/ack/" + row.ack_url.split("/ack/")[1]
    _login(client, "u_unit_reporter")
    assert client.get(f"/incidents/{inc['id']}", headers=HTML).status_code == 404  # not theirs to see
    looked = client.get(link, headers=HTML)
    assert looked.status_code == 200 and "确认收到</button>" in looked.text
    ok = client.post(link, headers=HTML)
    assert ok.status_code == 200 and "带班领导周文静 已确认收到" in ok.text
    assert "李明" not in ok.text and "已疏散群众" not in ok.text  # the reporter and measures stay unseen
    ack = session.exec(select(Acknowledgement).where(Acknowledgement.kind == "ack")).one()
    assert ack.person_id == county["leader"].id and ack.via == "wecom_link" and ack.stopped
    detail = client.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()
    assert detail["incident"]["acknowledged_by"] == "带班领导周文静"
    assert client.get(f"/incidents/{inc['id']}", headers=HTML).status_code == 404  # still not theirs to see
