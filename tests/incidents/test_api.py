"""Incident REST API on both databases: intake by token, bad input as 4xx naming the field, scope, acks."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.incidents.records import Incident
from services.incidents import escalation
from tests.incidents.conftest import landslide


@pytest.fixture
def api(client, app, clock, county, tokens):
    app.state.clock = clock
    return client


def _count(session, model):
    return len(session.exec(select(model)).all())


def test_hotline_posts_incident_by_token_and_gets_suggested_grade(api, tokens, county, clock, session):
    body = landslide(county["town"].id, clock.now, grade=None, grade_override_reason="", deaths=12,
                     source="12345热线", external_ref="12345-778899")
    r = api.post("/api/incidents", headers=tokens["duty_officer"], json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["suggested_grade"] == 2 and out["grade"] == 2 and "死亡（含失踪）人数15人" in out["suggested_reason"]  # 12 dead, 3 missing
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == out["id"])).one()
    assert entry.actor == "token:u_duty_officer"
    board = api.get("/api/incidents", headers=tokens["auditor"]).json()
    assert [b["id"] for b in board] == [out["id"]] and board[0]["next_deadline"]


@pytest.mark.parametrize("change,field,status", [
    ({"received_at": "LEARNED_BEFORE"}, "received_at", 422),  # learned before it happened
    ({"deaths": -3}, "deaths", 422),
    ({"injured": "很多"}, "injured", 422),
    ({"unit_id": "00000000-0000-0000-0000-000000000000"}, "unit_id", 422),
    ({"grade": 1, "grade_override_reason": ""}, "grade_override_reason", 422),
    ({"received_at": "2026-07-15T02:10:00"}, "received_at", 422),  # no time zone
    ({"category": "alien_invasion"}, "category", 422),
])
def test_bad_intake_is_a_4xx_naming_the_field_and_nothing_is_written(api, tokens, county, clock, session,
                                                                    change, field, status):
    body = landslide(county["town"].id, clock.now)
    if change.get("received_at") == "LEARNED_BEFORE":
        change = {"received_at": (clock.now - timedelta(hours=1)).isoformat()}
    body.update(change)
    before = (_count(session, Incident), _count(session, AuditEntry))
    r = api.post("/api/incidents", headers=tokens["duty_officer"], json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert (_count(session, Incident), _count(session, AuditEntry)) == before


def test_unit_reporter_logs_only_for_own_unit(api, tokens, county, clock):
    r = api.post("/api/incidents", headers=tokens["unit_reporter"],
                 json=landslide(county["dept"].id, clock.now))
    assert r.status_code == 403 and r.json()["detail"][0]["loc"][-1] == "unit_id"
    body = landslide(county["town"].id, clock.now)
    del body["unit_id"]
    r = api.post("/api/incidents", headers=tokens["unit_reporter"], json=body)
    assert r.status_code == 201 and r.json()["unit_id"] == str(county["town"].id)
    other = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["dept"].id, clock.now))
    assert api.get(f"/api/incidents/{other.json()['id']}", headers=tokens["unit_reporter"]).status_code == 404
    assert api.post("/api/incidents", headers=tokens["auditor"], json=body).status_code == 403


def test_reports_lateness_and_docx(api, tokens, county, clock):
    inc = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now)).json()
    clock.advance(minutes=64)
    r = api.post(f"/api/incidents/{inc['id']}/reports", headers=tokens["duty_officer"], json={"kind": "first"})
    # a written 首报 is late by its own (written, 60 min) deadline
    assert r.status_code == 201 and r.json()["late_minutes"] == 4 and r.json()["sent_upward_at"]
    bad = api.post(f"/api/incidents/{inc['id']}/reports", headers=tokens["duty_officer"],
                   json={"kind": "final", "reported_at": (clock.now - timedelta(minutes=5)).isoformat()})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "reported_at"
    doc = api.get(f"/api/incidents/{inc['id']}/reports/{r.json()['id']}.docx", headers=tokens["auditor"])
    from docx import Document

    text = "\n".join(c.text for t in Document(io.BytesIO(doc.content)).tables for row in t.rows for c in row.cells)
    assert "高观镇青龙村3组" in text and "受伤待核实" in text
    flags = api.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()["flags"]
    assert {"late"} <= {f["code"] for f in flags}


def _link(session):
    from models.incidents.escalation import Notice

    n = session.exec(select(Notice).where(Notice.purpose == "escalation", Notice.recipient == "带班领导周文静")).first()
    return re.search(r"(/ack/\S+)$", n.body).group(1)


def test_ack_link_is_single_use_and_expires(api, tokens, county, clock, session, settings):
    inc = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now)).json()
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    link = _link(session)
    page = api.get(link, headers={"accept": "text/html"})
    assert page.status_code == 200 and "高观镇山体滑坡" in page.text  # looking does not acknowledge
    assert api.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()["incident"]["acknowledged_at"] is None
    clock.advance(minutes=3)
    ok = api.post(link, headers={"accept": "text/html"})
    assert ok.status_code == 200 and "带班领导周文静" in ok.text
    again = api.post(link, headers={"accept": "text/html"})  # used: it says so, and offers no second button
    assert again.status_code == 200 and "已确认收到" in again.text and "<button" not in again.text
    assert "<button" not in api.get(link, headers={"accept": "text/html"}).text
    forged = api.post(link[:-3] + "xyz", headers={"accept": "text/html"})
    assert forged.status_code == 404
    detail = api.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()
    assert detail["incident"]["acknowledged_by"] == "带班领导周文静"
    assert sum(e["kind"] == "ack" for e in detail["timeline"]) == 1


def test_expired_ack_link_changes_nothing(api, tokens, county, clock, session, settings):
    inc = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now)).json()
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    link = _link(session)
    clock.advance(hours=25)
    r = api.post(link, headers={"accept": "text/html"})
    assert r.status_code == 410 and "过期" in r.text
    assert api.get(f"/api/incidents/{inc['id']}", headers=tokens["auditor"]).json()["incident"]["acknowledged_at"] is None


def test_instruction_forwarded_feedback_and_accept(api, tokens, county, clock):
    inc = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now)).json()
    clock.advance(hours=6)  # 08:10 local, a workday
    r = api.post(f"/api/incidents/{inc['id']}/instructions", headers=tokens["leader"], json={
        "text": "全力搜救失联人员，做好群众转移安置", "by_name": "县长赵国华",
        "items": [{"unit_id": str(county["town"].id), "urgency": "urgent"},
                  {"unit_id": str(county["dept"].id), "lead": False}]})
    assert r.status_code == 201, r.text
    urgent, general = r.json()["items"]
    assert urgent["due_at"].startswith("2026-07-15T09:30")  # 17:30 local the same day
    assert general["due_at"].startswith("2026-07-22T09:30")  # 5 working days later
    assert api.post(f"/api/instruction-items/{general['id']}/feedback", headers=tokens["unit_reporter"],
                    json={"text": "x"}).status_code == 403  # not the reporter's unit
    assert api.post(f"/api/instruction-items/{urgent['id']}/accept",
                    headers=tokens["duty_officer"]).status_code == 409  # no feedback yet
    fb = api.post(f"/api/instruction-items/{urgent['id']}/feedback", headers=tokens["unit_reporter"],
                  json={"text": "已转移群众86人，搜救持续"})
    assert fb.json()["status"] == "feedback_received"
    assert api.post(f"/api/instruction-items/{urgent['id']}/accept",
                    headers=tokens["duty_officer"]).json()["status"] == "closed"
