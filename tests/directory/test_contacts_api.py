"""Contact methods and notification rules through the API, on both databases: values refused per kind with the
field named, a code sent through the outbox and entered within 10 minutes and 5 tries, who may manage whose."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.deliveries import Delivery
from tests.incidents.conftest import Clock

T0 = datetime(2026, 7, 14, 18, 10, tzinfo=UTC)


@pytest.fixture
def api(client, app, session, users, tokens, directory):
    app.state.clock = Clock(T0)
    users["leader"].person_id = directory["people"]["hub"].id  # the leader is the hub's person
    users["unit_reporter"].person_id = None
    session.add(users["leader"])
    session.commit()
    return client


def _code(session, method_id) -> str:
    rows = session.exec(select(Delivery).where(Delivery.source == "contact_verify",
                                               Delivery.source_id == str(method_id))).all()
    return re.search(r"\d{6}", max(rows, key=lambda d: d.created_at).text).group(0)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_leader_adds_verifies_and_sets_rules_for_their_own_mobile(api, app, session, tokens, directory):
    me = directory["people"]["hub"]
    base = f"/api/people/{me.id}"
    h = tokens["leader"]
    r = api.post(f"{base}/contact-methods", headers=h, json={"kind": "mobile", "value": "12800001111"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "value"]
    assert "11位中国大陆手机号" in r.json()["detail"][0]["msg"]
    r = api.post(f"{base}/contact-methods", headers=h, json={"kind": "mobile", "value": "+86 139-0000-1234",
                                                              "label": "工作手机"})
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["value"], m["verified"], m["label"]) == ("13900001234", False, "工作手机")
    assert api.post(f"{base}/contact-methods", headers=h, json={"kind": "mobile", "value": "13900001234"}
                    ).status_code == 409

    r = api.post(f"{base}/notification-rules", headers=h, json={"method_id": m["id"], "medium": "sms"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "method_id"]  # not verified yet

    r = api.post(f"{base}/contact-methods/{m['id']}/send-code", headers=h)
    assert r.status_code == 202 and r.json()["code_state"] == "queued"
    (sent,) = session.exec(select(Delivery).where(Delivery.source == "contact_verify")).all()
    assert (sent.channel, sent.recipient["address"], sent.person_id) == ("sms", "13900001234", me.id)
    assert api.post(f"{base}/contact-methods/{m['id']}/send-code", headers=h).status_code == 409  # within a minute
    code = _code(session, m["id"])

    for left in (4, 3):
        r = api.post(f"{base}/contact-methods/{m['id']}/verify", headers=h, json={"code": _wrong(code)})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "code"]
        assert f"还可再试{left}次" in r.json()["detail"][0]["msg"]  # each wrong try was kept
    r = api.post(f"{base}/contact-methods/{m['id']}/verify", headers=h, json={"code": code})
    assert r.status_code == 200 and r.json()["verified"] is True
    listed = api.get(f"{base}/contact-methods", headers=h).json()
    assert [(x["value"], x["verified"]) for x in listed] == [("13900001234", True)]

    r = api.post(f"{base}/notification-rules", headers=h, json={"method_id": m["id"], "medium": "voice",
                                                                 "delay_minutes": 5})
    assert r.status_code == 201 and r.json()["usable"] is True
    r = api.post(f"{base}/notification-rules", headers=h, json={"method_id": m["id"], "medium": "wecom"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "medium"]
    assert [(x["medium"], x["delay_minutes"]) for x in api.get(f"{base}/notification-rules", headers=h).json()] == [
        ("voice", 5)]
    assert api.delete(f"{base}/contact-methods/{m['id']}", headers=h).status_code == 204
    assert api.get(f"{base}/notification-rules", headers=h).json() == []  # its rules went with it


def test_codes_expire_after_ten_minutes_and_five_wrong_tries_spend_them(api, app, session, tokens, directory):
    me = directory["people"]["hub"]
    base = f"/api/people/{me.id}"
    h = tokens["leader"]
    m = api.post(f"{base}/contact-methods", headers=h, json={"kind": "email", "value": "Zhou@Gov.CN"}).json()
    assert m["value"] == "Zhou@gov.cn"
    api.post(f"{base}/contact-methods/{m['id']}/send-code", headers=h)
    assert session.exec(select(Delivery).where(Delivery.source == "contact_verify")).one().channel == "email"
    code = _code(session, m["id"])
    app.state.clock.advance(minutes=10)
    r = api.post(f"{base}/contact-methods/{m['id']}/verify", headers=h, json={"code": code})
    assert r.status_code == 422 and "已过期" in r.json()["detail"][0]["msg"]

    api.post(f"{base}/contact-methods/{m['id']}/send-code", headers=h)
    code = _code(session, m["id"])
    for _ in range(5):
        api.post(f"{base}/contact-methods/{m['id']}/verify", headers=h, json={"code": _wrong(code)})
    r = api.post(f"{base}/contact-methods/{m['id']}/verify", headers=h, json={"code": code})
    assert r.status_code == 422 and "重新发送" in r.json()["detail"][0]["msg"]  # the right code no longer counts
    assert api.get(f"{base}/contact-methods", headers=h).json()[0]["verified"] is False


def test_who_may_manage_whose(api, session, tokens, directory):
    hub, town = directory["people"]["hub"], directory["people"]["t1"]
    add = {"kind": "wecom", "value": "ZhouWJ"}
    # a leader: their own only
    assert api.post(f"/api/people/{town.id}/contact-methods", headers=tokens["leader"], json=add).status_code == 403
    assert api.get(f"/api/people/{town.id}/contact-methods", headers=tokens["leader"]).status_code == 403
    # a unit reporter: their unit's people; another unit's person does not exist for them
    assert api.post(f"/api/people/{town.id}/contact-methods", headers=tokens["unit_reporter"], json=add
                    ).status_code == 201
    assert api.get(f"/api/people/{hub.id}/contact-methods", headers=tokens["unit_reporter"]).status_code == 404
    # the duty office: anyone's, and a code it enters for someone is audited as such
    m = api.post(f"/api/people/{hub.id}/contact-methods", headers=tokens["duty_officer"], json=add).json()
    api.post(f"/api/people/{hub.id}/contact-methods/{m['id']}/send-code", headers=tokens["duty_officer"])
    r = api.post(f"/api/people/{hub.id}/contact-methods/{m['id']}/verify", headers=tokens["duty_officer"],
                 json={"code": _code(session, m["id"])})
    assert r.status_code == 200 and r.json()["verified"]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "verify")).one()
    assert entry.actor == "token:u_duty_officer" and "代为输入验证码" in entry.note
    # an auditor reads, never writes
    assert len(api.get(f"/api/people/{hub.id}/contact-methods", headers=tokens["auditor"]).json()) == 1
    assert api.delete(f"/api/people/{hub.id}/contact-methods/{m['id']}", headers=tokens["auditor"]).status_code == 403
    assert "code_hash" not in r.json() and "code_hash" not in str(entry.after)
