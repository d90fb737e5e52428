"""POST /api/incidents under load against a real `dutydesk serve`, three arrival models, wall and CPU time."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import incident_rig as rig
from bench.delivery_sink import get as sink_get
from bench.http_load import Caller, burst, run_clients


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settled_cpu_s(pid: int, limit_s: float = 15.0) -> float:
    """The process's CPU once it has gone quiet (< 5 ms in 0.3 s): the engine has caught up."""
    last, deadline = _cpu_s(pid), time.monotonic() + limit_s
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = _cpu_s(pid)
        if now - last < 0.005:
            return now
        last = now
    return last


def _body(town, i: int) -> dict:
    return {"title": f"压测事件{i}", "category": "natural_disaster", "unit_id": str(town),
            "received_at": datetime.now(UTC).isoformat(), "deaths": i % 4, "injured": "待核实"}


def _callers(base: str, token: str, clients: int) -> list[Caller]:
    host, port = base.rsplit("//", 1)[1].split(":")
    return [Caller(host, int(port), "/api/incidents", {"Authorization": f"Bearer {token}"}) for _ in range(clients)]


async def _bursts(base, token, town, clients: int, times: int, gap_s: float = 1.0) -> list[float]:
    out = []
    for b in range(times):
        out += await burst(_callers(base, token, clients), lambda i: _body(town, b * 1000 + i), expect=201)
        await asyncio.sleep(gap_s)
    return out


SHAPES = {"all": ("all",), "split": ("web", "engine"), "web": ("web",)}


def post_load(backend: str, clients: int = 32, per_client: int = 20, think_s: float = 0.8, bursts: int = 5,
              shape: str = "all") -> dict:
    """p50/p99 of POST /api/incidents on `backend` with `clients` concurrent callers, three ways (ARRIVALS).

    The county has a webhook channel to a loopback sink and a policy whose first step notifies two leaders at
    once, so each incident costs the engine a step and two sends. `shape`: "all" — one `serve` doing both (the
    single-machine default); "split" — `serve --role web` taking the POSTs and `serve --role engine` firing the
    steps, as docker/compose.yaml runs them; "web" — the web role with no engine anywhere (the POST's own cost).
    The CPU per POST adds up every server process, with the engine's work for those incidents."""
    home = Path(tempfile.mkdtemp(prefix="bench-post-"))
    url = f"sqlite:///{home / 'bench.db'}" if backend == "sqlite" else rig.fresh_pg("dd_bench_post")
    from core import db
    from models import schema

    out, tag = {}, f"{backend}_{shape}"
    posted, procs = 0, []
    try:
        with rig.sink() as sink:
            engine = db.make_engine(url)
            schema.upgrade(engine)
            c = rig.county(engine, sink_url=sink, steps=1, together=2)
            engine.dispose()
            for role in SHAPES[shape]:
                env = {**rig.env_for(url, home, rig.free_port()), "DUTYDESK_ROLE": role}
                procs.append(rig.start_serve(env, home, log_name=f"serve-{role}.log"))
                if role != "engine":
                    base = f"http://127.0.0.1:{env['DUTYDESK_WEB__PORT']}"

            def body(i: int) -> dict:
                return _body(c["town"], i)

            def cpu_s(settle: bool = False) -> float:
                return sum((_settled_cpu_s if settle else _cpu_s)(p.pid) for p in procs)

            runs = (("clients", lambda: run_clients(_callers(base, c["token"], clients), body, per_client,
                                                    expect=201, think_s=think_s)),
                    ("burst", lambda: _bursts(base, c["token"], c["town"], clients, bursts)),
                    ("closed", lambda: run_clients(_callers(base, c["token"], clients), body, per_client, expect=201)))
            posted += len(asyncio.run(run_clients(_callers(base, c["token"], 4), body, 5, expect=201)))  # warm up
            for label, coro in runs:
                cpu0, wall0 = cpu_s(), time.perf_counter()
                lat = asyncio.run(coro())
                wall = time.perf_counter() - wall0
                cpu = cpu_s(settle=True) - cpu0  # with the engine's work for these incidents
                posted += len(lat)
                out[f"{tag}_post_{label}_p50_ms"] = round(pct(lat, 50) * 1000, 1)
                out[f"{tag}_post_{label}_p99_ms"] = round(pct(lat, 99) * 1000, 1)
                out[f"{tag}_post_{label}_per_s"] = round(len(lat) / wall, 1)
                out[f"{tag}_post_{label}_server_cpu_ms_per_post"] = round(cpu / len(lat) * 1000, 2)
            if shape != "web":
                out[f"{tag}_post_messages_at_sink"] = f"{sink_get(sink, '/stats')['unique']} of {2 * posted}"
    finally:
        for p in procs:
            rig.stop(p)
        if backend != "sqlite":
            rig.drop_pg(url)
    return out


ARRIVALS = ("three arrival models, {clients} concurrent callers on keep-alive connections (bench/http_load.py). "
            "clients — the goal's reading: each caller posts, waits for its answer, then waits an exponentially "
            "distributed time of mean {think_s:g} s before the next (~{rate:.0f} POST/s offered, with the bunching "
            "of independent callers); burst — all {clients} post at the same instant, {bursts} times: the last answer "
            "waits for all the others, ~{clients} x the server's time per POST; closed — each posts again the "
            "moment its answer arrives: saturation throughput, not a latency anyone sees (Little's law: p50 ~ "
            "{clients} / throughput)")


def intake_cpu(backend: str, n: int = 200) -> dict:
    """One POST's own work in-process, one at a time (token, validation, intake, commit, response model): the
    CPU floor of a POST without HTTP, the framework or the engine's work for the new incident."""
    from sqlmodel import Session

    from core import db
    from core.settings import get_settings
    from models import schema
    from services import accounts
    from services.access import Actor
    from services.incidents.intake import open_incident
    from services.incidents.schemas import IncidentIn
    from web.api.incidents.records import IncidentOut

    home = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    url = f"sqlite:///{home / 'bench.db'}" if backend == "sqlite" else rig.fresh_pg("dd_bench_intake")
    engine = db.make_engine(url)
    schema.upgrade(engine)
    c = rig.county(engine)
    settings, by = get_settings(), Actor.system("bench")

    def one(i: int) -> None:
        with Session(engine, expire_on_commit=False) as s:  # as web.app's request sessions
            now = datetime.now(UTC)
            accounts.resolve_api_token(session=s, token=c["token"], now=now)
            inc = open_incident(session=s, data=IncidentIn.model_validate(_body(c["town"], i)), by=by, now=now,
                                settings=settings)
            s.commit()
            IncidentOut.model_validate(inc, from_attributes=True).model_dump_json()

    try:
        for i in range(20):
            one(i)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(n):
            one(i)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        engine.dispose()
        if backend != "sqlite":
            rig.drop_pg(url)
    return {f"{backend}_intake_inprocess_cpu_ms": round(cpu / n * 1000, 2),
            f"{backend}_intake_inprocess_wall_ms": round(wall / n * 1000, 2)}
