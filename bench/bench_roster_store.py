"""Benchmark: rosters generated AND stored in a real database, and "who is on duty now".

Each figure comes from a fresh worker process on a fresh database (SQLite file
or a new PostgreSQL database), so peak RSS is per run. Default (a few minutes):
a county (120 units x 2 posts x 365 days) on both databases, and "on duty now"
across 3,000 units with one month stored. `--province` adds 3,000 units x 365
days on both databases and peak RSS at 600 vs 3,000 units (this process and the planner process).
Run: python -m bench.bench_roster_store [--province]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, insert, text

PG_URL = os.environ.get("DUTYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
YEAR = [f"2025-{m:02d}" for m in range(1, 13)]
LEADERS, OFFICERS = 6, 10


def _database(kind: str) -> tuple[str, callable]:
    """A fresh database URL and a function that drops it."""
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="bench-roster-"), "bench.db")
        return f"sqlite:///{path}", lambda: os.path.exists(path) and os.remove(path)
    name = f"bench_roster_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return PG_URL.rsplit("/", 1)[0] + f"/{name}", drop


def _setup(engine, units: int, batch: int = 200) -> list[uuid.UUID]:
    """Units, people, posts and pools, inserted in bulk batches (not timed; memory flat in units)."""
    from models.directory import Person, Unit
    from models.rosters.roster import DutyPost, PoolMember

    now = datetime.now(UTC)
    uids: list[uuid.UUID] = []
    for first in range(0, units, batch):
        rows_u, rows_p, rows_post, rows_pool = [], [], [], []
        for u in range(first, min(units, first + batch)):
            uid = uuid.uuid4()
            uids.append(uid)
            rows_u.append({"id": uid, "name": f"单位{u}", "code": f"u{u:05d}", "type": "town",
                           "duty_phone": "0838-0000000", "address": "", "sort_order": u, "active": True,
                           "created_at": now, "updated_at": now})
            for post, n, hol in (("leader", LEADERS, None), ("officer", OFFICERS, 2)):
                pid = uuid.uuid4()
                rows_post.append({"id": pid, "unit_id": uid, "name": post, "label": post, "count": 1,
                                  "holiday_count": hol, "flood_count": hol, "sort_order": 0 if post == "leader" else 1})
                for i in range(n):
                    person = uuid.uuid4()
                    rows_p.append({"id": person, "name": f"{post}{u}-{i}", "title": "", "unit_id": uid, "mobile": "",
                                   "office_phone": "", "email": "", "dingtalk_id": "", "wecom_id": "", "feishu_id": "",
                                   "is_leading_cadre": False, "is_unit_head": False, "domain_categories": [],
                                   "active": True, "created_at": now, "updated_at": now})
                    rows_pool.append({"id": uuid.uuid4(), "post_id": pid, "person_id": person, "position": i})
        with engine.begin() as c:
            for model, rows in ((Unit, rows_u), (Person, rows_p), (DutyPost, rows_post), (PoolMember, rows_pool)):
                c.execute(insert(model), rows)
    return uids


def worker(db: str, units: int, months: list[str]) -> dict:
    """One measured run in this process: setup, generate + store, on-duty query, peak RSS."""
    from sqlmodel import Session

    from core import db as dbm
    from dutydesk.server import freeze_startup_heap
    from models import schema
    from services.rosters.generate import generate_units
    from services.rosters.views import on_duty_now

    url, drop = _database(db)
    engine = dbm.make_engine(url)
    try:
        schema.upgrade(engine)
        uids = _setup(engine, units)
        t0, c0 = time.perf_counter(), time.process_time()
        totals = generate_units(session_factory=lambda: dbm.session_scope(engine), unit_ids=uids, months=months,
                                actor="bench", chunk=int(os.environ.get("BENCH_CHUNK", "100")), tz="Asia/Shanghai")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        now = datetime(2025, int(months[0][5:]), 15, 3, 0, tzinfo=UTC)
        with Session(engine) as s:
            on_duty_now(session=s, now=now)  # warm
            freeze_startup_heap()  # as `dutydesk serve` does once started (dutydesk/server.py)
            times = []
            for _ in range(21):  # this VM's timings wander; the median of 21 calls is steady
                t = time.perf_counter()
                rows = on_duty_now(session=s, now=now)
                times.append((time.perf_counter() - t) * 1000)
        return {"db": db, "units": units, "months": len(months), "person_slots": totals["slots"],
                "errors": len(totals["errors"]), "generate_store_s": round(seconds, 2),
                "generate_store_cpu_s": round(cpu, 2),  # this process only; the database server's CPU is apart
                "slots_per_s": int(totals["slots"] / seconds), "on_duty_units": len(rows),
                "on_duty_ms_median": round(sorted(times)[10], 1), "on_duty_ms_p90": round(sorted(times)[18], 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                # the planner process of a long run (services/rosters/planner.py), once it has exited
                "planner_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    finally:
        engine.dispose()
        drop()


def _spawn(db: str, units: int, months: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_roster_store", "--worker", db, str(units), ",".join(months)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(province: bool = False) -> dict:
    """County on both databases, on-duty across 3,000 units; the province when asked."""
    results: dict = {}
    for db in ("sqlite", "postgresql"):
        results[f"county_{db}"] = _spawn(db, 120, YEAR)
        results[f"on_duty_3000_{db}"] = _spawn(db, 3000, ["2025-06"])
        if province:
            results[f"province_{db}"] = _spawn(db, 3000, YEAR)
            # 600 units: six chunks, the same path as the province (a planner process from four chunks on)
            results[f"province_600_{db}"] = _spawn(db, 600, YEAR)
    for name, r in results.items():
        print(f"{name:>24}: {r}")
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","))))
    else:
        run(province="--province" in sys.argv)
