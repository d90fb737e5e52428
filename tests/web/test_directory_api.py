"""Directory API on both databases: create, validate, scope, audit."""

from __future__ import annotations

from sqlmodel import select

from models.audit import AuditEntry


def test_duty_officer_creates_unit_and_it_is_audited(client, tokens, directory, session):
    r = client.post("/api/units", headers=tokens["duty_officer"],
                    json={"name": "石桥镇", "code": "t2", "type": "town", "parent_id": str(directory["hub"].id)})
    assert r.status_code == 201, r.text
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == r.json()["id"])).one()
    assert entry.action == "create" and entry.actor == "token:u_duty_officer"
    assert entry.after["name"] == "石桥镇"


def test_bad_unit_body_names_the_field_and_writes_nothing(client, tokens, session):
    before = session.exec(select(AuditEntry)).all()
    r = client.post("/api/units", headers=tokens["admin"], json={"name": "", "code": "has space"})
    assert r.status_code == 422
    fields = {e["loc"][-1] for e in r.json()["detail"]}
    assert {"name", "code"} <= fields
    assert len(session.exec(select(AuditEntry)).all()) == len(before)


def test_duplicate_code_is_a_conflict_naming_code(client, tokens, directory):
    r = client.post("/api/units", headers=tokens["admin"], json={"name": "另一个", "code": "t1"})
    assert r.status_code == 409
    assert r.json()["detail"][0]["loc"] == ["body", "code"]


def test_unknown_unit_for_person_is_422_not_500(client, tokens):
    r = client.post("/api/people", headers=tokens["admin"],
                    json={"name": "张三", "unit_id": "00000000-0000-0000-0000-000000000000"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "unit_id"]


def test_unit_reporter_sees_only_its_unit(client, tokens, directory):
    units = client.get("/api/units", headers=tokens["unit_reporter"]).json()
    assert [u["code"] for u in units] == ["t1"]
    people = client.get("/api/people", headers=tokens["unit_reporter"]).json()
    assert {p["unit_id"] for p in people} == {str(directory["town"].id)}
    assert client.get(f"/api/units/{directory['dept'].id}", headers=tokens["unit_reporter"]).status_code == 403


def test_deactivated_person_is_kept_for_history(client, tokens, directory):
    pid = directory["people"]["t1"].id
    r = client.patch(f"/api/people/{pid}", headers=tokens["duty_officer"], json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    listed = client.get("/api/people", headers=tokens["admin"]).json()
    assert str(pid) not in {p["id"] for p in listed}
    assert client.get(f"/api/people/{pid}", headers=tokens["admin"]).json()["name"].endswith("值班员")
