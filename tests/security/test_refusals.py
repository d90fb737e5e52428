"""What a refused API request tells the caller: the field and the reason in zh-CN (English on request), at the
field's real location, and never the name of a person in a unit the caller may not see."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.security.test_limits import _admin_and_auditor_tokens, file_db  # noqa: F401

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_validation_errors_name_the_field_and_the_reason_in_chinese(client, tokens, directory):
    r = client.post("/api/leaves", headers=tokens["admin"], json={"person_id": "not-an-id", "start_day": "2026-13-40"})
    assert r.status_code == 422
    by_field = {e["loc"][-1]: e["msg"] for e in r.json()["detail"]}
    assert by_field["person_id"] == "“person_id”须为 UUID 编号（如 2f1c…-…）"
    assert "start_day" in by_field["start_day"] and "须为日期" in by_field["start_day"]
    assert "必填" in by_field["end_day"]
    assert not any("Field required" in m or "Input should" in m for m in by_field.values())


def test_a_client_asking_for_english_gets_english(client, tokens, directory):
    r = client.post("/api/leaves", headers={**tokens["admin"], "Accept-Language": "en-US,en;q=0.8"}, json={})
    assert r.status_code == 422 and "end_day: Field required" in [e["msg"] for e in r.json()["detail"]]


def test_a_query_parameter_out_of_range_is_refused_in_chinese(client, tokens):
    r = client.get("/api/holidays?year=0", headers=tokens["admin"])
    assert r.status_code == 422, r.text
    e = r.json()["detail"][0]
    assert e["loc"] == ["query", "year"] and e["msg"].startswith("“year”须大于")


def test_a_missing_record_named_in_the_path_is_reported_at_the_path(client, tokens):
    missing = uuid.uuid4()
    r = client.patch(f"/api/users/{missing}", headers=tokens["admin"], json={"display_name": "x"})
    assert r.status_code == 404
    assert r.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_a_role_refused_an_endpoint_is_told_so_in_chinese(client, tokens):
    r = client.post("/api/units", headers=tokens["auditor"], json={"name": "x", "code": "x"})
    assert r.status_code == 403
    (e,) = r.json()["detail"]  # where, like every other refusal: the caller's role
    assert e["loc"] == ["role"] and e["type"] == "Forbidden" and "审计员角色无权执行此操作" in e["msg"]


def test_a_refusal_does_not_name_another_units_person(client, tokens, directory):
    client.app.state.clock = lambda: NOW
    town, dept = directory["town"], directory["dept"]
    mine, theirs = directory["people"]["t1"], directory["people"]["d1"]
    leave = {"person_id": str(mine.id), "start_day": "2026-12-10", "start_half": "am", "end_day": "2026-12-11",
             "end_half": "pm", "destination": "成都", "reason": "学习", "contact": "13900000000",
             "arrangements": "日常工作由副职负责", "acting_person_id": str(theirs.id)}
    r = client.post("/api/leaves", headers=tokens["unit_reporter"], json=leave)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "acting_person_id"], r.text
    assert theirs.name not in r.text and "所选人员" in r.text
    r = client.post("/api/handovers", headers=tokens["unit_reporter"],
                    json={"unit_id": str(town.id), "day": "2026-11-22", "incoming_id": str(theirs.id)})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "incoming_id"], r.text
    assert theirs.name not in r.text
    # the duty office sees every unit: it is told who
    r = client.post("/api/leaves", headers=tokens["admin"], json=leave)
    assert r.status_code == 422 and theirs.name in r.json()["detail"][0]["msg"]
    assert dept.name  # (the other unit exists; only its person's name is kept back)


def _refusals(session):
    from sqlmodel import select

    from models.audit import AuditEntry

    session.expire_all()
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == "access_refused")))


def test_a_unit_reporter_opening_another_units_person_is_refused_and_audited(client, tokens, directory, session):
    theirs = directory["people"]["d1"]
    r = client.get(f"/api/people/{theirs.id}/contact-methods", headers=tokens["unit_reporter"])
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["path", "person_id"]
    assert "未找到" in r.json()["detail"][0]["msg"]
    [entry] = _refusals(session)
    assert entry.actor == "token:u_unit_reporter" and entry.entity_id == str(theirs.id)
    assert entry.after["path"] == f"/api/people/{theirs.id}/contact-methods" and entry.after["status"] == 404
    assert "未找到" in entry.note


def test_a_role_refused_an_action_is_audited(client, tokens, session):
    r = client.post("/api/units", headers=tokens["auditor"], json={"name": "x", "code": "x"})
    assert r.status_code == 403
    [entry] = _refusals(session)
    assert entry.actor == "token:u_auditor" and entry.after == {"method": "POST", "path": "/api/units", "status": 403}
    assert "审计员角色无权" in entry.note


def test_an_ordinary_not_found_is_not_an_access_refusal(client, tokens, session):
    assert client.get(f"/api/people/{uuid.uuid4()}/contact-methods", headers=tokens["admin"]).status_code == 404
    assert _refusals(session) == []


def test_a_refused_get_is_audited_without_a_503_while_something_writes(file_db, tmp_path):
    """The refusal's entry is written outside the GET's read transaction (as the spot-check export's is)."""
    import threading

    from fastapi.testclient import TestClient
    from sqlalchemy import text
    from sqlmodel import Session

    from core import db
    from core.settings import Settings
    from dutydesk.composition import build_web_app
    from services import audit

    tokens = _admin_and_auditor_tokens(file_db)
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            with db.session_scope(file_db) as s:
                audit.record(session=s, actor="writer", action="tick", entity="test")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"})
        with TestClient(build_web_app(settings, file_db)) as client:
            codes = [client.get("/api/users", headers=tokens["auditor"]).status_code for _ in range(20)]
    finally:
        stop.set()
        thread.join(10)
    assert codes == [403] * 20, codes
    with Session(file_db) as s:
        refused = s.exec(text("SELECT count(*) FROM audit_entry WHERE action = 'access_refused'")).one()[0]
    assert refused == 20


def test_a_console_page_refused_to_a_role_is_audited_too(client, users, session):
    from tests.conftest import PASSWORD

    client.post("/login", data={"username": "u_unit_reporter", "password": PASSWORD}, follow_redirects=False)
    r = client.get("/accounts", headers={"Accept": "text/html"})
    assert r.status_code == 403
    [entry] = _refusals(session)
    assert entry.actor == "u_unit_reporter" and entry.after["path"] == "/accounts"
