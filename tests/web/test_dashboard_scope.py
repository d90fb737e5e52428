"""A unit reporter's dashboard speaks of their own unit only: another unit's overdue reports and the duty office's
own alerts (spot-check calls, the audit chain, deliveries) are not shown to them; the duty office sees them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services import accounts
from tests.incidents.conftest import landslide
from web.deps import SESSION_COOKIE

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def _dashboard(client, session, user) -> str:
    token, _ = accounts.start_session(session=session, user=user, now=NOW, hours=1)
    session.commit()
    return client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={token}", "Accept": "text/html"}).text


def test_other_units_overdue_reports_stay_off_a_unit_reporters_dashboard(client, session, directory, users, tokens):
    client.app.state.clock = lambda: NOW
    long_ago = NOW - timedelta(hours=5)  # every report deadline of this grade II incident has passed
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(directory["dept"].id, long_ago))
    assert r.status_code == 201, r.text
    office = _dashboard(client, session, users["duty_officer"])
    town = _dashboard(client, session, users["unit_reporter"])
    assert 'data-code="incident_report_overdue"' in office
    assert 'data-code="incident_report_overdue"' not in town
    mine = client.post("/api/incidents", headers=tokens["unit_reporter"],
                       json=landslide(directory["town"].id, long_ago, title="高观镇自己的事件"))
    assert mine.status_code == 201, mine.text
    assert 'data-code="incident_report_overdue"' in _dashboard(client, session, users["unit_reporter"])
