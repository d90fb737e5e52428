"""Test harness for scaled-out runs: a fresh PostgreSQL database, `dutydesk serve` processes, the sink."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core import db
from models import schema
from models.deliveries import ChannelConfigCreate
from services import deliveries
from tests.peers import free_port

ROOT = Path(__file__).resolve().parents[2]
KEY = "scale-test-secret-key-0123456789"


@contextlib.contextmanager
def fresh_database(admin_url: str):
    """A new, migrated PostgreSQL database; yields (engine, url); dropped afterwards."""
    name = f"dutydesk_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url, pool_size=5)
    try:
        schema.upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def own_database(kind: str, tmp_path: Path):
    """A new, migrated database of the test's own, whose commits other connections and processes see: a SQLite
    file in `tmp_path`, or PostgreSQL (`fresh_database`); yields (engine, url). PostgreSQL missing: a skip, and
    in CI a failure, as for the shared fixtures."""
    from tests.conftest import PG_URL, _pg_available

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.db'}"
        engine = db.make_engine(url)
        try:
            schema.upgrade(engine)
            yield engine, url
        finally:
            engine.dispose()
        return
    if not _pg_available(PG_URL):
        import pytest

        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL}: CI must test it")
        pytest.skip("PostgreSQL not reachable")
    with fresh_database(PG_URL) as found:
        yield found


def get_json(url: str, timeout: float = 10) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def wait_http(url: str, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def start_sink(latency: float = 0.0) -> tuple[subprocess.Popen, str]:
    """bench/delivery_sink.py in its own process: counts POSTs by webhook-id."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.delivery_sink", str(port), str(latency)], cwd=ROOT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/stats", 30, proc)
    return proc, url


def add_webhook_channel(engine, name: str, url: str, concurrency: int = 64) -> None:
    with Session(engine) as s:
        deliveries.create_channel(session=s, actor="test", key=KEY, data=ChannelConfigCreate(
            name=name, kind="webhook", max_concurrency=concurrency, config={"base_url": f"{url}/hook", "timeout": 10}))
        s.commit()


def serve_env(db_url: str, tmp: Path, name: str, role: str = "engine", **extra: str) -> dict[str, str]:
    return {**os.environ, "DUTYDESK_DB__URL": db_url, "DUTYDESK_ROLE": role, "DUTYDESK_FLOWS__MODE": "off",
            "DUTYDESK_ENVIRONMENT": "test", "DUTYDESK_SECRET_KEY": KEY, "DUTYDESK_DATA_DIR": str(tmp / name),
            "DUTYDESK_OPS__INSTANCE": name, "DUTYDESK_INCIDENTS__INSTANCE": name, "DUTYDESK_LOG_FORMAT": "json",
            "DUTYDESK_OPS__DELIVERY_LEASE_SECONDS": "15",  # a killed engine's sends are taken over sooner
            "PYTHONUNBUFFERED": "1", **extra}


class Instance:
    """One `dutydesk serve` process, its own process group, logs to a file."""

    def __init__(self, db_url: str, tmp: Path, name: str, role: str = "engine", **extra: str) -> None:
        self.name, self.port = name, free_port()
        self.log = tmp / f"{name}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dutydesk.cli", "serve", "--port", str(self.port), "--role", role],
            env=serve_env(db_url, tmp, name, role, **extra), cwd=tmp, stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self, seconds: float = 60) -> None:
        wait_http(self.url + "/readyz", seconds, self.proc)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
