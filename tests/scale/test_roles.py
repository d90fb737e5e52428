"""`dutydesk serve --role`: web has no clock, engine has the clock and only the ops endpoints."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from dutydesk.server import build_app


def make(engine, tmp_path, role: str) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"}, role=role,
                    ops={"instance": f"{role}-1"})


@pytest.mark.parametrize("role", ["web", "engine", "all"])
def test_role_decides_clock_and_routes(engine, tmp_path, role):
    app = build_app(make(engine, tmp_path, role), engine)
    with TestClient(app) as c:
        clock = app.state.clock_scheduler
        if role == "web":
            assert clock is None
        else:
            jobs = {j.id for j in clock.scheduler.get_jobs()}
            assert "incidents:sweep" in jobs, jobs  # the escalator's backup sweep runs here
        for path in ("/healthz", "/readyz"):
            assert c.get(path).status_code == 200, path
        metrics = c.get("/metrics").text
        assert f'dutydesk_instance_info{{instance="{role}-1",role="{role}"}} 1.0' in metrics
        console = c.get("/login")
        assert console.status_code == (404 if role == "engine" else 200)


def test_role_from_environment(monkeypatch):
    monkeypatch.setenv("DUTYDESK_ROLE", "engine")
    assert Settings(_env_file=None).role == "engine"
    monkeypatch.setenv("DUTYDESK_ROLE", "both")
    with pytest.raises(ValueError, match="role"):
        Settings(_env_file=None)


def test_cli_refuses_an_unknown_role():
    from typer.testing import CliRunner

    from dutydesk.cli import app

    result = CliRunner().invoke(app, ["serve", "--role", "both"])
    assert result.exit_code == 2 and "role must be all, web or engine" in result.output
