"""Operations endpoints: /healthz, /readyz (migrated, un-migrated, unreachable), /metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from core import db
from dutydesk import composition
from dutydesk.composition import build_web_app
from services import alerts


def test_healthz_answers(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(engine, settings):
    # its own app on the migrated database, outside the test transaction (SQLite would wait for its lock)
    with TestClient(build_web_app(settings, engine)) as c:
        r = c.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_readyz_is_503_naming_the_command_on_an_unmigrated_database(settings, tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(build_web_app(settings, engine)) as c:
        r = c.get("/readyz")
    engine.dispose()
    assert r.status_code == 503
    assert r.json()["status"] == "not migrated" and "dutydesk db upgrade" in r.json()["detail"]


@pytest.fixture
def down_engine():
    """An engine pointing at a port nothing listens on."""
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:9/dutydesk", connect_args={"connect_timeout": 2})
    yield engine
    engine.dispose()


def test_readyz_is_503_when_the_database_is_unreachable(settings, down_engine, caplog):
    with TestClient(build_web_app(settings, down_engine)) as c:
        r = c.get("/readyz")
        assert c.get("/healthz").status_code == 200  # alive, just not ready
    assert r.status_code == 503 and r.json()["status"] == "database unreachable"
    assert any("unreachable" in rec.getMessage() for rec in caplog.records), "the outage must be logged"


def test_metrics_report_database_up_and_each_alert(engine, settings, monkeypatch):
    gap = alerts.Alert("roster_gap", "critical", "排班缺口", "roster gap", count=3)
    monkeypatch.setattr(composition, "ALERT_SOURCES", (lambda session, now, settings, scope: [gap],))
    with TestClient(composition.build_web_app(settings, engine)) as c:
        r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert "dutydesk_database_up 1.0" in lines
    assert 'dutydesk_alerts{code="roster_gap",severity="critical"} 3.0' in lines


def test_metrics_report_database_down(settings, down_engine):
    with TestClient(build_web_app(settings, down_engine)) as c:
        r = c.get("/metrics")
    assert r.status_code == 200
    assert "dutydesk_database_up 0.0" in r.text.splitlines()
