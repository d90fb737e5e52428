"""POST /api/incidents under load against a real `dutydesk serve`, two arrival models, wall and CPU time."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import incident_rig as rig


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _body(town, i: int) -> dict:
    return {"title": f"压测事件{i}", "category": "natural_disaster", "unit_id": str(town),
            "received_at": datetime.now(UTC).isoformat(), "deaths": i % 4, "injured": "待核实"}


async def _closed(base, token, town, clients: int, per_client: int) -> list[float]:
    """Closed loop: `clients` callers, each posts again as soon as its answer arrives."""
    out: list[float] = []

    async def one(c: httpx.AsyncClient, i: int) -> None:
        for k in range(per_client):
            t = time.perf_counter()
            r = await c.post("/api/incidents", json=_body(town, i * 1000 + k))
            out.append(time.perf_counter() - t)
            assert r.status_code == 201, r.text

    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 limits=httpx.Limits(max_connections=clients)) as c:
        await asyncio.gather(*(one(c, i) for i in range(clients)))
    return out


async def _fixed(base, token, town, clients: int, rate: float, n: int) -> list[float]:
    """Open loop: a POST starts every 1/rate s whatever the answers do, over up to `clients` connections."""
    out: list[float] = []

    async def one(c: httpx.AsyncClient, i: int) -> None:
        t = time.perf_counter()
        r = await c.post("/api/incidents", json=_body(town, i))
        out.append(time.perf_counter() - t)  # includes waiting for a free connection: the caller's view
        assert r.status_code == 201, r.text

    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 limits=httpx.Limits(max_connections=clients)) as c:
        start, tasks = time.perf_counter(), []
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(c, i)))
        await asyncio.gather(*tasks)
    return out


def post_load(backend: str, clients: int = 32, per_client: int = 20, rate: float = 40.0) -> dict:
    """p50/p99 of POST /api/incidents on `backend`: closed loop of `clients`, then a fixed rate."""
    home = Path(tempfile.mkdtemp(prefix="bench-post-"))
    url = f"sqlite:///{home / 'bench.db'}" if backend == "sqlite" else rig.fresh_pg("dd_bench_post")
    from dutydesk import db

    engine = db.make_engine(url)
    db.upgrade(engine)
    c = rig.county(engine)
    engine.dispose()
    env = rig.env_for(url, home, rig.free_port())
    proc = rig.start_serve(env, home)
    base = f"http://127.0.0.1:{env['DUTYDESK_WEB__PORT']}"
    out = {}
    try:
        asyncio.run(_closed(base, c["token"], c["town"], 4, 3))  # warm up
        for label, coro in (("closed", lambda: _closed(base, c["token"], c["town"], clients, per_client)),
                            ("fixed", lambda: _fixed(base, c["token"], c["town"], clients, rate,
                                                     clients * per_client))):
            cpu0, wall0 = _cpu_s(proc.pid), time.perf_counter()
            lat = asyncio.run(coro())
            wall, cpu = time.perf_counter() - wall0, _cpu_s(proc.pid) - cpu0
            out[f"{backend}_post_{label}_p50_ms"] = round(pct(lat, 50) * 1000, 1)
            out[f"{backend}_post_{label}_p99_ms"] = round(pct(lat, 99) * 1000, 1)
            out[f"{backend}_post_{label}_per_s"] = round(len(lat) / wall, 1)
            out[f"{backend}_post_{label}_server_cpu_ms_per_post"] = round(cpu / len(lat) * 1000, 2)
            out[f"{backend}_post_{label}_wall_s"] = round(wall, 2)
    finally:
        rig.stop(proc)
        if backend != "sqlite":
            rig.drop_pg(url)
    out[f"{backend}_post_arrivals"] = (f"closed: {clients} clients x {per_client}, next POST on answer; "
                                       f"fixed: {rate:g}/s open loop, {clients * per_client} POSTs, ≤{clients} conns")
    return out


def audit_lock_cost(threads: int = 8, per_thread: int = 25) -> dict:
    """PostgreSQL: in-process intake from `threads` threads, with the audit chain's advisory lock and without it
    (the lock swapped for SELECT 1 in this process only: the chain it writes is not valid, a measurement only)."""
    from sqlmodel import Session

    from dutydesk import db
    from services import audit
    from services.incidents.intake import open_incident
    from services.incidents.schemas import IncidentIn

    out = {}
    for label in ("with_lock", "without_lock"):
        url = rig.fresh_pg("dd_bench_lock")
        engine = db.make_engine(url)
        db.upgrade(engine)
        c = rig.county(engine)
        lat: list[float] = []
        real_text = audit.text
        if label == "without_lock":
            audit.text = lambda sql: real_text("SELECT 1") if "advisory" in sql else real_text(sql)

        def work() -> None:
            for k in range(per_thread):
                t = time.perf_counter()
                with Session(engine) as s:
                    open_incident(session=s, actor="bench", now=datetime.now(UTC), data=IncidentIn(
                        title=f"锁{k}", category="natural_disaster", unit_id=c["town"],
                        received_at=datetime.now(UTC)))
                    s.commit()
                lat.append(time.perf_counter() - t)

        try:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            ts = [threading.Thread(target=work) for _ in range(threads)]
            [t.start() for t in ts]
            [t.join() for t in ts]
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        finally:
            audit.text = real_text
            engine.dispose()
            rig.drop_pg(url)
        out[f"pg_intake_{label}_p99_ms"] = round(pct(lat, 99) * 1000, 1)
        out[f"pg_intake_{label}_per_s"] = round(len(lat) / wall, 1)
        out[f"pg_intake_{label}_cpu_s"] = round(cpu, 2)
    return out
