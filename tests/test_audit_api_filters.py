"""GET /api/audit filters by action as `dutydesk audit list --action` does, and refuses a filter it does not know
(an auditor would otherwise read the unfiltered list as the filtered one)."""

from __future__ import annotations

from datetime import UTC, datetime

from services import audit

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def _write(session):
    audit.record(session=session, actor="admin", action="login", entity="user", entity_id="u1", at=NOW)
    audit.record(session=session, actor="admin", action="export", entity="incident", entity_id="i1", at=NOW)
    audit.record(session=session, actor="clerk", action="update", entity="incident", entity_id="i1", at=NOW)
    session.commit()


def test_action_filters_the_list(client, tokens, session, users):
    _write(session)
    r = client.get("/api/audit?action=export", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    assert [e["action"] for e in r.json()] == ["export"]
    r = client.get("/api/audit?action=update&entity=incident", headers=tokens["auditor"])
    assert [(e["action"], e["actor"]) for e in r.json()] == [("update", "clerk")]


def test_an_unknown_filter_is_refused_naming_it(client, tokens, session, users):
    _write(session)
    r = client.get("/api/audit?kind=export&actions=login", headers=tokens["auditor"])
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", "actions"]
    assert "actions、kind" in detail["msg"] and "action" in detail["msg"]
    assert client.get("/api/audit?kind=x", headers=tokens["unit_reporter"]).status_code == 403
