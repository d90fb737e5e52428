"""Incident benchmarks (2-core figures in the report); servers and sinks run in their own processes.

- incident logged → first delivery at a loopback webhook sink: `dutydesk serve` with a webhook channel and a
  policy row, the real escalator and dispatcher; p50/p99 (goal p99 ≤ 250 ms)
- step lateness: 1,000 open escalations falling due within ~20 s, the engine part firing them (goal p99 ≤ 1 s)
- POST /api/incidents at 32 concurrent clients on SQLite and PostgreSQL, three arrival models (goal p99 ≤ 50 ms,
  read on callers posting at their own pace: see incident_load.ARRIVALS), in each deployment shape (one process;
  web and engine processes; the web tier alone), server CPU per POST, and one POST's own work in-process
  (bench/incident_load.py)
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bench import incident_rig as rig
from bench.incident_load import ARRIVALS, SHAPES, intake_cpu, pct, post_load


def first_delivery(backend: str = "sqlite", n: int = 60, gap_s: float = 0.15, shape: str = "all") -> dict:
    """Seconds from POST /api/incidents (sent) to the first step's webhook arriving at the sink, per incident.

    `shape` as in incident_load.SHAPES: "all" is one `serve`; "split" posts to `serve --role web` while
    `serve --role engine` sends, so the figure includes the web process waking the engine (LISTEN/NOTIFY on
    PostgreSQL; issue 16's goal p99 <= 50 ms)."""
    import httpx

    from core import db
    from models import schema

    home = Path(tempfile.mkdtemp(prefix="bench-first-"))
    url = f"sqlite:///{home / 'bench.db'}" if backend == "sqlite" else rig.fresh_pg("dd_bench_first")
    engine = db.make_engine(url)
    schema.upgrade(engine)
    sent: dict[str, float] = {}
    try:
        with rig.sink() as sink:
            c = rig.county(engine, sink_url=sink, wait_minutes=10, steps=1)
            procs = []
            for role in SHAPES[shape]:
                env = {**rig.env_for(url, home, rig.free_port()), "DUTYDESK_ROLE": role}
                procs.append(rig.start_serve(env, home, log_name=f"serve-{role}.log"))
                if role != "engine":
                    base = f"http://127.0.0.1:{env['DUTYDESK_WEB__PORT']}"
            try:
                with httpx.Client(base_url=base, timeout=30,
                                  headers={"Authorization": f"Bearer {c['token']}"}) as http:
                    for i in range(n + 3):
                        t = time.time()
                        r = http.post("/api/incidents", json={"title": f"首条{i}", "category": "natural_disaster",
                                                              "unit_id": str(c["town"]),
                                                              "received_at": datetime.now(UTC).isoformat()})
                        assert r.status_code == 201, r.text
                        if i >= 3:  # the first few warm the server up
                            sent[r.json()["id"]] = t
                        time.sleep(gap_s)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    times = httpx.get(f"{sink}/times").json()
                    if len(times) >= n + 3:
                        break
                    time.sleep(0.2)
            finally:
                for proc in procs:
                    rig.stop(proc)
    finally:
        engine.dispose()
        if backend != "sqlite":
            rig.drop_pg(url)
    lat = [times[k] - sent[i] for k in times for i in [k.split(":")[1]] if i in sent]
    tag = backend if shape == "all" else f"{backend}_{shape}"
    return {f"{tag}_first_delivery_n": len(lat), f"{tag}_first_delivery_missing": n - len(lat),
            f"{tag}_first_delivery_p50_ms": round(pct(lat, 50) * 1000, 1),
            f"{tag}_first_delivery_p99_ms": round(pct(lat, 99) * 1000, 1)}


def step_lateness(n: int = 1000, spread_s: float = 20.0) -> dict:
    """Lateness of the first step of `n` open escalations against their due time, fired by the engine part."""
    from core import db
    from core.settings import get_settings
    from engine.clock import Clock
    from engine.escalator import Escalator
    from models import schema
    from models.incidents.escalation import Notice
    from models.incidents.records import Incident
    from services.incidents import targets
    from services.access import Actor
    from services.incidents.intake import open_incident
    from services.incidents.schemas import IncidentIn

    tmp = Path(tempfile.mkdtemp(prefix="bench-esc-"))
    engine = db.make_engine(f"sqlite:///{tmp / 'bench.db'}")
    schema.upgrade(engine)
    town = rig.county(engine)["town"]
    with Session(engine) as s:
        from models.directory import Person

        leader = s.exec(select(Person).where(Person.name == "带班领导")).one()
    targets.on_duty_leaders = lambda session, unit_id, at: [session.get(Person, leader.id)]  # no roster here
    settings = get_settings()
    start = datetime.now(UTC) + timedelta(seconds=n * 0.012 + 5)
    with Session(engine) as s:
        for i in range(n):
            due = start + timedelta(seconds=spread_s * i / n)
            open_incident(session=s, by=Actor.system("bench"), now=datetime.now(UTC), data=IncidentIn(
                title=f"事件{i}", category="natural_disaster", unit_id=town, received_at=due, grade=2,
                grade_override_reason="bench"), settings=settings)
            if i % 100 == 99:
                s.commit()
        s.commit()
    clock = Clock(settings.timezone)
    esc = Escalator(clock, engine, settings, instance="bench")
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
    return {"steps": len(values), "open_escalations": n, "step_late_p50_ms": round(pct(values, 50) * 1000, 1),
            "step_late_p99_ms": round(pct(values, 99) * 1000, 1),
            "step_late_max_ms": round(max(values) * 1000, 1), "step_late_mean_ms": round(statistics.mean(values) * 1000, 1)}


def run(quick: bool = False) -> dict:
    """Print and return the incident figures."""
    out = {}
    for backend in ("sqlite", "postgresql"):
        out.update(first_delivery(backend, n=20 if quick else 100))
    out.update(first_delivery("postgresql", n=20 if quick else 100, shape="split"))  # web-only POST, engine woken
    out.update(step_lateness(n=200 if quick else 1000, spread_s=5 if quick else 20))
    # the deployment shapes of README: SQLite in one process (`make run`), PostgreSQL split into web and engine
    # processes (docker/compose.yaml); then PostgreSQL in one process, and each web tier alone (no engine)
    for backend, shape in (("sqlite", "all"), ("postgresql", "split"), ("postgresql", "all"), ("sqlite", "web"),
                           ("postgresql", "web")):
        out.update(post_load(backend, per_client=4 if quick else 20, bursts=2 if quick else 5, shape=shape))
    for backend in ("sqlite", "postgresql"):
        out.update(intake_cpu(backend, n=100 if quick else 300))
    out["post_arrival_model"] = ARRIVALS.format(clients=32, think_s=0.8, rate=32 / 0.8, bursts=5)
    for k, v in out.items():
        print(f"{k:>44}: {v}")
    return out


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
