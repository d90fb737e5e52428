"""Incident benchmarks on an embedded SQLite database (2-core figures in the report).

- POST /api/incidents at 32 concurrent clients (uvicorn in its own process): p50/p99 (goal p99 ≤ 50 ms)
- step lateness: 1,000 open escalations falling due within ~20 s, the engine part firing them (goal p99 ≤ 1 s)
- incident logged → first delivery at a loopback webhook: needs the dispatcher wired to a webhook
  channel; measured by `first_delivery()` when a webhook channel can be configured (see run()).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _county(engine):
    """A hub with a duty leader, a vice head and a head; a town; an API token for the duty officer."""
    from models.accounts import Role, UserCreate
    from models.org import PersonCreate, UnitCreate, UnitType
    from services import accounts, org

    with Session(engine, expire_on_commit=False) as s:
        hub = org.create_unit(session=s, actor="bench", data=UnitCreate(name="总值班室", code="hub",
                                                                        type=UnitType.county_office))
        town = org.create_unit(session=s, actor="bench", data=UnitCreate(name="高观镇", code="t1", parent_id=hub.id))
        for name, kw in (("县长", {"is_unit_head": True}), ("副县长", {"domain_categories": ["natural_disaster"]}),
                         ("带班领导", {})):
            org.create_person(session=s, actor="bench", data=PersonCreate(name=name, unit_id=hub.id, wecom_id=name,
                                                                          mobile="13900000000", **kw))
        user = accounts.create_user(session=s, actor="bench", data=UserCreate(
            username="duty", password="bench-password", role=Role.duty_officer, unit_id=hub.id))
        token, _ = accounts.create_api_token(session=s, user=user, name="bench", actor="bench")
        s.commit()
    return town, token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_concurrency(clients: int = 32, per_client: int = 20) -> dict:
    """p50/p99 of POST /api/incidents with `clients` concurrent callers."""
    import httpx

    from dutydesk import db

    tmp = Path(tempfile.mkdtemp(prefix="bench-inc-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    town, token = _county(engine)
    port = _free_port()
    env = {**os.environ, "DUTYDESK_DB__URL": url, "DUTYDESK_DATA_DIR": str(tmp), "DUTYDESK_FLOWS__MODE": "off"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--port", str(port),
                               "--log-level", "warning"], env=env, cwd=Path(__file__).parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)

        async def client(c: httpx.AsyncClient, out: list[float], i: int) -> None:
            for k in range(per_client):
                body = {"title": f"压测事件{i}-{k}", "category": "natural_disaster", "unit_id": str(town.id),
                        "received_at": datetime.now(UTC).isoformat(), "deaths": k % 4, "injured": "待核实"}
                t = time.perf_counter()
                r = await c.post(f"{base}/api/incidents", json=body, headers={"Authorization": f"Bearer {token}"})
                out.append(time.perf_counter() - t)
                assert r.status_code == 201, r.text

        async def main() -> list[float]:
            out: list[float] = []
            limits = httpx.Limits(max_connections=clients)
            async with httpx.AsyncClient(limits=limits, timeout=30) as c:
                await client(c, [], -1)  # warm up
                await asyncio.gather(*(client(c, out, i) for i in range(clients)))
            return out

        started = time.perf_counter()
        lat = asyncio.run(main())
        took = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
        engine.dispose()
    return {"post_clients": clients, "post_n": len(lat), "post_p50_ms": round(_pct(lat, 50) * 1000, 1),
            "post_p99_ms": round(_pct(lat, 99) * 1000, 1), "post_per_s": round(len(lat) / took, 1)}


def step_lateness(n: int = 1000, spread_s: float = 20.0) -> dict:
    """Lateness of the first step of `n` open escalations against their due time, fired by the engine part."""
    from dutydesk import db
    from engine.clock import Clock
    from engine.escalator import Escalator
    from models.escalation import Notice
    from models.incidents import Incident
    from services.incidents import targets
    from services.incidents.intake import open_incident
    from services.incidents.schemas import IncidentIn

    tmp = Path(tempfile.mkdtemp(prefix="bench-esc-"))
    engine = db.make_engine(f"sqlite:///{tmp / 'bench.db'}")
    db.upgrade(engine)
    town, _ = _county(engine)
    with Session(engine) as s:
        from models.org import Person

        leader = s.exec(select(Person).where(Person.name == "带班领导")).one()
    targets.on_duty_leaders = lambda session, unit_id, at: [session.get(Person, leader.id)]  # no roster here
    start = datetime.now(UTC) + timedelta(seconds=n * 0.012 + 5)
    with Session(engine) as s:
        for i in range(n):
            due = start + timedelta(seconds=spread_s * i / n)
            open_incident(session=s, actor="bench", now=datetime.now(UTC), data=IncidentIn(
                title=f"事件{i}", category="natural_disaster", unit_id=town.id, received_at=due, grade=2,
                grade_override_reason="bench"))
            if i % 100 == 99:
                s.commit()
        s.commit()
    clock = Clock("Asia/Shanghai")
    esc = Escalator(clock, engine)
    esc.start()
    clock.start()
    deadline = time.monotonic() + (start - datetime.now(UTC)).total_seconds() + spread_s + 60
    try:
        while time.monotonic() < deadline:
            with Session(engine) as s:
                fired = len(s.exec(select(Notice.incident_id).where(Notice.purpose == "escalation",
                                                                     Notice.step_seq == 0).distinct()).all())
            if fired >= n:
                break
            time.sleep(0.5)
    finally:
        clock.shutdown()
        esc.stop()
    with Session(engine) as s:
        rows = s.exec(select(Notice.at, Incident.received_at).join(Incident, Incident.id == Notice.incident_id)
                      .where(Notice.purpose == "escalation", Notice.step_seq == 0)).all()
    engine.dispose()
    late = {}
    for at, due in rows:
        late.setdefault(due, (at - due).total_seconds())
    values = list(late.values())
    return {"steps": len(values), "open_escalations": n, "step_late_p50_ms": round(_pct(values, 50) * 1000, 1),
            "step_late_p99_ms": round(_pct(values, 99) * 1000, 1),
            "step_late_max_ms": round(max(values) * 1000, 1), "step_late_mean_ms": round(statistics.mean(values) * 1000, 1)}


def run(quick: bool = False) -> dict:
    """Print and return the incident figures."""
    out = {}
    out.update(post_concurrency(per_client=5 if quick else 20))
    out.update(step_lateness(n=200 if quick else 1000, spread_s=5 if quick else 20))
    out["first_delivery"] = "not measured here: needs the dispatcher wired to a loopback webhook channel"
    for k, v in out.items():
        print(f"{k:>22}: {v}")
    return out


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
