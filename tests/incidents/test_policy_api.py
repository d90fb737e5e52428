"""/api/escalation-policies: the office creates and edits (new versions), others read or are refused; a refusal
names the field in zh-CN."""

from __future__ import annotations

import pytest

from tests.incidents.test_policy_edits import channels  # noqa: F401 - the fixture

URL = "/api/escalation-policies"


@pytest.fixture
def api(client, app, clock, county, tokens, channels):  # noqa: F811
    app.state.clock = clock
    return client


def body(**kw):
    data = {"name": "夜间升级", "position": 5, "min_grade": 3, "ack_timeout_minutes": 30, "steps": [
        {"targets": [{"kind": "duty_leader_now"}, {"kind": "category_leader"}], "channels": ["wecom", "sms"],
         "wait_minutes": 5, "ack": "all"},
        {"targets": [{"kind": "unit_head"}], "channels": ["voice"], "wait_minutes": 10}]}
    data.update(kw)
    return data


def test_round_trip_with_versions(api, tokens):
    r = api.post(URL, headers=tokens["duty_officer"], json=body(note="新建"))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["version"] == 1 and made["ack_timeout_minutes"] == 30 and made["steps"][0]["ack"] == "all"
    pid = made["id"]
    r = api.patch(f"{URL}/{pid}", headers=tokens["admin"], json={"repeat": 2, "note": "多一轮"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["repeat"] == 2 and len(r.json()["steps"]) == 2
    r = api.put(f"{URL}/{pid}", headers=tokens["duty_officer"], json=body(steps=body()["steps"][:1]))
    assert r.json()["version"] == 3 and len(r.json()["steps"]) == 1
    shown = api.get(f"{URL}/{pid}", headers=tokens["leader"]).json()
    assert [v["version"] for v in shown["versions"]] == [3, 2, 1] and shown["versions"][1]["note"] == "多一轮"
    assert api.post(f"{URL}/{pid}/disable", headers=tokens["duty_officer"]).json()["enabled"] is False
    assert api.post(f"{URL}/{pid}/enable", headers=tokens["duty_officer"]).json()["enabled"] is True
    assert api.delete(f"{URL}/{pid}", headers=tokens["duty_officer"]).json()["enabled"] is False
    assert [p["name"] for p in api.get(URL, headers=tokens["auditor"]).json()] == ["夜间升级"]


def test_refusals_name_the_field_in_chinese(api, tokens):
    bad = body(steps=[{"targets": [{"kind": "role", "ref": "auditor"}], "channels": ["wecom"], "wait_minutes": 5}])
    r = api.post(URL, headers=tokens["duty_officer"], json=bad)
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["loc"] == ["body", "steps.0.targets"] and "第1步" in d["msg"]
    r = api.post(URL, headers=tokens["duty_officer"], json=body(steps=[
        {"targets": [{"kind": "unit_head"}], "channels": ["pager"], "wait_minutes": 5}]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "steps.0.channels"]
    assert api.get(URL, headers=tokens["duty_officer"]).json() == []


def test_roles(api, tokens):
    assert api.post(URL, headers=tokens["unit_reporter"], json=body()).status_code == 403
    assert api.get(URL, headers=tokens["unit_reporter"]).status_code == 403
    assert api.post(URL, headers=tokens["leader"], json=body()).status_code == 403
    assert api.get(URL, headers=tokens["leader"]).status_code == 200


def test_a_step_without_a_channel_follows_each_persons_notification_rules(api, tokens, session, users, county):
    """No channel ladder on a step: each person's own rules decide (联系方式), and the list says so in words. A
    target with neither verified rules nor a console account (the inbox it falls back to) reaches nobody: refused."""
    steps = [{"targets": [{"kind": "unit_head"}], "channels": [], "wait_minutes": 5}]
    r = api.post(URL, headers=tokens["duty_officer"], json=body(steps=steps))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "steps.0.targets", r.text
    assert "县长赵国华没有已验证的联系方式和个人通知规则，也没有控制台账号" in r.text
    users["leader"].person_id = county["head"].id  # the county head reads the console inbox
    session.add(users["leader"])
    session.commit()
    r = api.post(URL, headers=tokens["duty_officer"], json=body(steps=steps))
    assert r.status_code == 201, r.text
    assert r.json()["steps"][0]["channels"] == []
    page = api.get("/escalation-policies", headers=tokens["duty_officer"])
    assert page.status_code == 200 and "按个人通知规则" in page.text
