"""A real `prefect server start` (SQLite, temporary PREFECT_HOME) and a real process worker run the
roster-extend deployment registered by flows/deploy.py; the generated rosters land in dutydesk's database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import Session, select

from core import db
from models import schema
from models.directory import PersonCreate, UnitCreate, UnitType
from models.rosters.roster import RosterMonth
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from tests.peers import free_port
from tests.scale.cluster import ROOT, wait_http

pytestmark = pytest.mark.slow


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM twice (a worker ignores the first), then SIGKILL; the whole process group."""
    for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(8)


def seed_unit_with_pools(engine) -> None:
    with Session(engine) as s:
        unit = org.create_unit(session=s, actor="t", data=UnitCreate(name="县政府总值班室", code="hub",
                                                                     type=UnitType.county_office))
        people = [org.create_person(session=s, actor="t", data=PersonCreate(name=f"值班{i}", unit_id=unit.id))
                  for i in range(4)]
        pol.ensure_default_posts(session=s, unit_id=unit.id, actor="t")
        pol.set_pool(session=s, unit_id=unit.id, post="leader", people=[p.id for p in people[:2]], by=Actor.system("t"))
        pol.set_pool(session=s, unit_id=unit.id, post="officer", people=[p.id for p in people[2:]], by=Actor.system("t"))
        s.commit()


def test_worker_runs_the_deployment_into_the_dutydesk_database(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'dutydesk.db'}")
    schema.upgrade(engine)
    seed_unit_with_pools(engine)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_WORKER_QUERY_SECONDS": "1",
           "DUTYDESK_DB__URL": str(engine.url), "DUTYDESK_ENVIRONMENT": "test",
           "DUTYDESK_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    logs = open(tmp_path / "prefect.log", "ab")
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, cwd=tmp_path, stdout=logs, stderr=subprocess.STDOUT,
                              start_new_session=True)
    worker = None
    try:
        wait_http(f"{api}/health", 90, server)
        deploy = subprocess.run([sys.executable, "-m", "flows.deploy", "--pool", "dutydesk"], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert deploy.returncode == 0 and "registered" in deploy.stdout, deploy.stderr[-2000:]
        worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "dutydesk",
                                   "--type", "process"], env=env, cwd=tmp_path, stdout=logs,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        trigger = ("from prefect.deployments import run_deployment\n"
                   "run = run_deployment('roster-extend/roster-extend', timeout=150)\n"
                   "print(run.state.type.value, run.state.name)\n")
        t0 = time.monotonic()
        ran = subprocess.run([sys.executable, "-c", trigger], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=180)
        took = time.monotonic() - t0
        assert ran.returncode == 0 and ran.stdout.split()[:1] == ["COMPLETED"], (ran.stdout, ran.stderr[-2000:])
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    with Session(engine) as s:
        months = s.exec(select(RosterMonth)).all()
    assert months, "the flow ran but no roster reached dutydesk's database"
    print(f"\nroster-extend via worker: {len(months)} roster month(s) generated; run took {took:.1f} s")
