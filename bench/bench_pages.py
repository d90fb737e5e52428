"""Console page times with a province-sized database (issue 14: board, incident page, dashboard, wall ≤ 150 ms p95).

A fresh demo database (`db upgrade`, `demo seed`) grown to a province: 3,000 more units with their posts, people and
this month's roster (generated as `roster generate` does), and 100,000 incidents over two years (a first report
each; all closed but the demo's own open ones and 300 more opened in the last two days, each with a phone and a
written deadline). Then `dutydesk serve` (flows off), and each page asked N times on a keep-alive connection, as the
duty officer (board, an open incident, dashboard) and the wall account (wall display); the time is from the request
written to the last byte read on loopback: the server's time plus a loopback round trip.

    python -m bench.bench_pages [--db sqlite|postgresql|both] [--n 40] [--incidents 100000] [--units 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import incident_rig as rig
from bench.bench_roster_store import _setup

GOAL_P95_MS = 150
CATEGORIES = ("accident", "natural_disaster", "public_health", "social_security")


def _grow(url: str, units: int, incidents: int, open_extra: int = 300) -> dict:
    """Add the province's units, roster and incidents to the demo database (bulk inserts, not timed)."""
    from sqlalchemy import insert, select

    from core import db as dbm
    from models.directory import Unit
    from models.incidents.records import Deadline, Incident, Report
    from services.rosters.generate import generate_units

    engine = dbm.make_engine(url)
    t0 = time.perf_counter()
    uids = _setup(engine, units)
    now = datetime.now(UTC)
    month = now.astimezone().strftime("%Y-%m")
    generate_units(session_factory=lambda: dbm.session_scope(engine), unit_ids=uids, months=[month], actor="bench",
                   tz="Asia/Shanghai")
    with engine.connect() as c:
        all_units = [row[0] for row in c.execute(select(Unit.id))]
    rng = random.Random(7)
    batch, made, opened = 5000, 0, 0
    while made < incidents:
        rows_i, rows_r, rows_d = [], [], []
        for _ in range(min(batch, incidents - made)):
            is_open = made >= incidents - open_extra
            at = now - (timedelta(minutes=rng.randint(5, 2 * 24 * 60)) if is_open
                        else timedelta(minutes=rng.randint(3 * 24 * 60, 730 * 24 * 60)))
            iid = uuid.uuid4()
            rows_i.append({"id": iid, "title": f"省级测试事件{made}", "category": rng.choice(CATEGORIES),
                           "type": "", "unit_id": rng.choice(all_units), "occurred_at": at, "received_at": at,
                           "place": "某乡某村", "source": "", "reporter": "", "reporter_contact": "",
                           "deaths": rng.choice((0, 0, 0, 1, 2)), "injured": rng.choice((0, 1, 3)),
                           "scope": "", "measures": "", "leader_on_site": "", "suggested_basis": {},
                           "suggested_reason": "", "grade": rng.choice((3, 4, 4, 4)), "grade_override_reason": "",
                           "status": "open" if is_open else "closed",
                           "closed_at": None if is_open else at + timedelta(days=1), "escalation_policy": {},
                           "acknowledged_by": "", "merged_by": "", "external_ref": "", "created_by": "bench",
                           "created_at": at})
            rows_r.append({"id": uuid.uuid4(), "incident_id": iid, "kind": "first", "number": 0, "channel": "written",
                           "content": "", "reported_at": at + timedelta(minutes=20), "elements": {}, "missing": [],
                           "phoned_upward_by": "", "phoned_upward_to": "", "phoned_recorded_by": "",
                           "created_by": "bench", "created_at": at + timedelta(minutes=20)})
            if is_open:
                opened += 1
                for kind, minutes in (("phone", 30), ("written", 60)):
                    rows_d.append({"id": uuid.uuid4(), "incident_id": iid, "kind": kind, "element": "", "text": "",
                                   "due_at": at + timedelta(minutes=minutes), "cancel_reason": "", "created_at": at})
            made += 1
        with engine.begin() as c:
            c.execute(insert(Incident), rows_i)
            c.execute(insert(Report), rows_r)
            if rows_d:
                c.execute(insert(Deadline), rows_d)
    engine.dispose()
    return {"units_added": len(uids), "incidents_added": made, "opened": opened,
            "setup_s": round(time.perf_counter() - t0, 1)}


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _login(base: str, user: str, password: str):
    import httpx

    client = httpx.Client(base_url=base, timeout=120)
    r = client.post("/login", data={"username": user, "password": password})
    assert r.status_code in (200, 303), r.text[:300]
    return client


def _time(client, path: str, n: int) -> dict:
    for _ in range(3):  # warm: caches, the first render of each template
        assert client.get(path).status_code == 200, path
    times, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code)
        size = len(r.content)
    return {"p50_ms": round(_pct(times, 50), 1), "p95_ms": round(_pct(times, 95), 1), "bytes": size}


def measure(db: str, n: int, incidents: int, units: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    url = f"sqlite:///{home / 'demo.db'}" if db == "sqlite" else rig.fresh_pg("bench_pages")
    port = rig.free_port()
    env = {**rig.env_for(url, home, port), "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = None
    try:
        for args in (("db", "upgrade"), ("demo", "seed")):
            subprocess.run([sys.executable, "-m", "dutydesk.cli", *args], env=env, check=True, capture_output=True)
        grown = _grow(url, units, incidents)
        proc = rig.start_serve(env, home)
        base = f"http://127.0.0.1:{port}"
        duty, wall = _login(base, "duty", "dutydesk-duty"), _login(base, "wall", "dutydesk-wall")
        board = duty.get("/incidents").text
        incident = re.search(r'href="(/incidents/[0-9a-f-]{36})"', board)
        assert incident, "no incident linked from the board"
        out = {"db": db, **grown, "load": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}
        for name, client, path in (("board", duty, "/incidents"), ("incident", duty, incident.group(1)),
                                   ("dashboard", duty, "/"), ("wall", wall, "/wall")):
            out[name] = _time(client, path, n)
        return out
    finally:
        if proc is not None:
            rig.stop(proc)
        if db != "sqlite":
            rig.drop_pg(url)


def run(quick: bool = False, db: str = "both", n: int = 40, incidents: int = 100_000, units: int = 3000) -> dict:
    if quick:
        n, incidents, units = 10, 5000, 300
    results = {}
    for kind in (("sqlite", "postgresql") if db == "both" else (db,)):
        r = measure(kind, n, incidents, units)
        results[kind] = r
        print(f"{kind}: {r['units_added']} units and {r['incidents_added']} incidents added "
              f"({r['opened']} more open) in {r['setup_s']} s; load {r['load']} on {r['cores']} cores")
        for page in ("board", "incident", "dashboard", "wall"):
            f = r[page]
            verdict = "met" if f["p95_ms"] <= GOAL_P95_MS else "NOT met"
            print(f"  {page:>9}: p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  ({f['bytes']} bytes)  "
                  f"goal p95 ≤ {GOAL_P95_MS} ms: {verdict}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--quick", action="store_true")
    a = parser.parse_args()
    run(quick=a.quick, db=a.db, n=a.n, incidents=a.incidents, units=a.units)
