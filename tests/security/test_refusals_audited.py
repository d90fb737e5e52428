"""Refusals testers found unaudited: a unit reporter filing leave for another unit's person, asking who acts for
another unit's person, an auditor creating an iCal feed (an unauthenticated URL of a roster). Each writes an
"access_refused" entry like every other refusal, and a role refusal says where (loc) like every other refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.security.test_refusals import _refusals

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_leave_for_another_units_person_is_refused_and_audited(client, tokens, directory, session):
    client.app.state.clock = lambda: NOW
    theirs = directory["people"]["d1"]
    leave = {"person_id": str(theirs.id), "start_day": "2026-12-10", "end_day": "2026-12-11", "reason": "学习"}
    r = client.post("/api/leaves", headers=tokens["unit_reporter"], json=leave)
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["body", "person_id"], r.text
    [entry] = _refusals(session)
    assert entry.actor == "token:u_unit_reporter" and entry.after["path"] == "/api/leaves"
    assert entry.after["field"] == "person_id" and "未找到该请假人" in entry.note
    absent = client.post("/api/leaves", headers=tokens["unit_reporter"], json={**leave, "person_id": str(uuid.uuid4())})
    assert absent.json()["detail"] == r.json()["detail"]  # as if absent: the same answer as for nobody


def test_who_acts_for_another_units_person_is_refused_and_audited(client, tokens, directory, session):
    theirs = directory["people"]["d1"]
    r = client.get("/api/leaves/acting", headers=tokens["unit_reporter"],
                   params={"person_id": str(theirs.id), "at": "2026-12-10T10:00:00+08:00"})
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["query", "person_id"]
    [entry] = _refusals(session)
    assert entry.actor == "token:u_unit_reporter" and entry.entity_id == str(theirs.id)
    assert entry.after["status"] == 404


def test_an_auditor_creating_an_ical_feed_is_refused_and_audited(client, tokens, directory, session):
    feed = {"kind": "unit", "ref_id": str(directory["town"].id)}
    r = client.post("/api/ical-feeds", headers=tokens["auditor"], json=feed)
    assert r.status_code == 403 and r.json()["detail"][0]["loc"] == ["body", "ref_id"]
    [entry] = _refusals(session)
    assert entry.actor == "token:u_auditor" and entry.after["path"] == "/api/ical-feeds" and "不能订阅" in entry.note
    r = client.post("/api/ical-feeds", headers=tokens["unit_reporter"],
                    json={"kind": "unit", "ref_id": str(directory["dept"].id)})
    assert r.status_code == 403 and len(_refusals(session)) == 2  # another unit named, as for its roster (access.py)


def test_a_missing_person_is_no_access_refusal(client, tokens, session):
    r = client.get("/api/leaves/acting", headers=tokens["unit_reporter"],
                   params={"person_id": str(uuid.uuid4()), "at": "2026-12-10T10:00:00+08:00"})
    assert r.status_code == 404 and _refusals(session) == []
