"""Flow fixtures: one Prefect test harness per session (it takes ~17 s to enter), a temp database."""

from __future__ import annotations

import pytest

from core import db
from core import settings as config
from models import schema


@pytest.fixture(scope="session")
def prefect_harness():
    """A throwaway Prefect API (its own SQLite) for the whole session."""
    import os

    from prefect.testing.utilities import prefect_test_harness

    # no telemetry: offline it only adds failed writes to the harness's SQLite
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def flow_db(tmp_path, monkeypatch):
    """A fresh migrated SQLite database that the flows' own `session_scope()` uses."""
    monkeypatch.setenv("DUTYDESK_DB__URL", f"sqlite:///{tmp_path / 'flows.db'}")
    monkeypatch.setenv("DUTYDESK_ENVIRONMENT", "test")
    monkeypatch.setenv("DUTYDESK_DATA_DIR", str(tmp_path))  # its own audit key and anchors, attachments
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    engine = db.get_engine()
    schema.upgrade(engine)
    yield engine
    engine.dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
