"""A date or a time sent to the API as a number (a unix timestamp) is refused with 422 naming the field, in zh-CN:
pydantic's lax mode read 1767225600 as 2026-01-01 00:00 UTC and stored an incident or a leave nobody meant."""

from __future__ import annotations

from sqlmodel import select

from models.incidents.records import Incident
from models.rosters.leave import LeaveReport


def _refused(r, loc: list, reason: str):
    assert r.status_code == 422, r.text
    (e,) = [e for e in r.json()["detail"] if e["loc"] == loc]
    assert e["msg"] == f"“{loc[-1]}”{reason}", e


def test_a_timestamp_is_no_time_of_an_incident(client, tokens, directory, session):
    body = {"title": "山体滑坡", "category": "natural_disaster", "unit_id": str(directory["town"].id),
            "received_at": 1767225600}
    _refused(client.post("/api/incidents", json=body, headers=tokens["duty_officer"]), ["body", "received_at"],
             "须为日期时间（如 2026-03-02T08:00:00+08:00）")
    body = {**body, "received_at": "2026-12-02T10:00:00+08:00", "occurred_at": 1767225600.5}
    _refused(client.post("/api/incidents", json=body, headers=tokens["duty_officer"]), ["body", "occurred_at"],
             "须为日期时间（如 2026-03-02T08:00:00+08:00）")
    assert session.exec(select(Incident)).first() is None
    r = client.post("/api/incidents", json={**body, "occurred_at": 1767225600}, headers={
        **tokens["duty_officer"], "Accept-Language": "en"})
    assert "not a number (no unix timestamps)" in r.json()["detail"][0]["msg"]


def test_a_timestamp_is_no_day_of_a_leave_nor_a_query_time(client, tokens, directory, session):
    person = directory["people"]["t1"]
    body = {"person_id": str(person.id), "start_day": 1767225600, "end_day": "2026-12-03", "reason": "年休"}
    _refused(client.post("/api/leaves", json=body, headers=tokens["duty_officer"]), ["body", "start_day"],
             "须为日期（YYYY-MM-DD）")
    assert session.exec(select(LeaveReport)).first() is None
    r = client.get("/api/leaves/acting", params={"person_id": str(person.id), "at": "1767225600"},
                   headers=tokens["duty_officer"])
    _refused(r, ["query", "at"], "须为日期时间（如 2026-03-02T08:00:00+08:00）")
    r = client.put("/api/holidays/20270101", json={"day": "2027-01-01", "kind": "holiday"}, headers=tokens["admin"])
    _refused(r, ["path", "day"], "须为日期（YYYY-MM-DD）")
