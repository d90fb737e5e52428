"""Shared rig of the incident benchmarks and the crash test: a county, a policy row, a webhook sink, `dutydesk serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("DUTYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_pg(prefix: str) -> str:
    """A new, empty PostgreSQL database; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def county(engine, *, sink_url: str = "", wait_minutes: float = 10, steps: int = 2, together: int = 1) -> dict:
    """A hub with a duty leader, a vice head and a head, a town, an API token, and (with `sink_url`) a webhook
    channel `hook` and a policy row: `steps` steps to the leaders over `hook`, `wait_minutes` apart, each step
    notifying `together` of them (the next ones in turn)."""
    from models.accounts import Role, UserCreate
    from models.deliveries import ChannelConfigCreate
    from models.directory import PersonCreate, UnitCreate, UnitType
    from services import accounts
    from services.deliveries.channels import create_channel
    from services.directory import org
    from services.incidents.policies import PolicyIn, StepIn, add_policy

    with Session(engine, expire_on_commit=False) as s:
        hub = org.create_unit(session=s, actor="bench", data=UnitCreate(name="总值班室", code="hub",
                                                                        type=UnitType.county_office))
        town = org.create_unit(session=s, actor="bench", data=UnitCreate(name="高观镇", code="t1", parent_id=hub.id))
        people = {}
        for name, kw in (("县长", {"is_unit_head": True}), ("副县长", {"domain_categories": ["natural_disaster"]}),
                         ("带班领导", {})):
            people[name] = org.create_person(session=s, actor="bench", data=PersonCreate(
                name=name, unit_id=hub.id, wecom_id=name, mobile="13900000000", **kw)).id
        user = accounts.create_user(session=s, actor="bench", data=UserCreate(
            username="duty", password="bench-password", role=Role.duty_officer, unit_id=hub.id))
        token, _ = accounts.create_api_token(session=s, user=user, name="bench", actor="bench")
        if sink_url:
            create_channel(session=s, actor="bench", key=SECRET, data=ChannelConfigCreate(
                name="hook", kind="webhook", title="bench sink", max_concurrency=64, config={"base_url": sink_url}))
            who = [people["带班领导"], people["副县长"], people["县长"]]
            add_policy(session=s, actor="bench", data=PolicyIn(name="bench", position=1, steps=[
                StepIn(targets=[{"kind": "person", "ref": str(who[(i + k) % 3])} for k in range(together)],
                       channels=["hook"], wait_minutes=wait_minutes) for i in range(steps)]))
        s.commit()
    return {"town": town.id, "token": token, "people": people}


def env_for(url: str, home: Path, port: int) -> dict:
    return {**os.environ, "DUTYDESK_DB__URL": url, "DUTYDESK_DATA_DIR": str(home), "DUTYDESK_FLOWS__MODE": "off",
            "DUTYDESK_ENVIRONMENT": "development", "DUTYDESK_WEB__PORT": str(port), "DUTYDESK_SECRET_KEY": SECRET}


def start_serve(env: dict, home: Path, log_name: str = "serve.log") -> subprocess.Popen:
    """`dutydesk serve` (flows off), ready when /readyz answers 200."""
    log = open(home / log_name, "ab")
    proc = subprocess.Popen([sys.executable, "-m", "dutydesk.cli", "serve", "--port", env["DUTYDESK_WEB__PORT"]],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{env['DUTYDESK_WEB__PORT']}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"dutydesk serve exited: {(home / log_name).read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("dutydesk serve not ready in 60 s")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def sink(latency: float = 0.0):
    """bench.delivery_sink in its own process; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.delivery_sink", str(port), str(latency)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        stop(proc)

