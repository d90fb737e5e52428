"""Benchmark: "on duty now" across 3,000 units (one month stored), SQLite and PostgreSQL, A/B against a git rev.

Each run is a fresh worker process on a fresh database built with that code's own migrations. Per database it
prints the median and p90 of 21 calls in three ways:
- `steady`: the dashboard's case, calls at the same moment with nothing changed between them;
- `after_change`: a slot reassigned and committed (by another connection) before every call, so every call
  rebuilds the answer: the worst case, and what every call cost before the answer was kept;
- `moving`: each call a second later than the last (a live wall display), nothing changed.
`--ab REV` (default HEAD~1) interleaves runs of this tree and of REV (exported with `git archive`), new, old,
new, old, because this machine's timings wander up to 2× between runs; the old tree runs this file's worker, so
both sides are measured alike. Wall and CPU times (time.process_time of this process around each call: the
database server's own CPU is not in it on PostgreSQL) are printed with the core count and load.
Run: python -m bench.bench_on_duty [--ab REV] [--rounds N]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = {"median_ms": 8.0, "p90_ms": 15.0}
UNITS = 3000


def _figures(times: list[float], cpu: list[float]) -> dict:
    """Median and p90 of the wall times and of this process's CPU times (the machine is shared: wall times
    include waiting for a core)."""
    times, cpu = sorted(times), sorted(cpu)
    return {"median_ms": round(statistics.median(times), 2), "p90_ms": round(times[int(len(times) * 0.9) - 1], 2),
            "cpu_median_ms": round(statistics.median(cpu), 2), "cpu_p90_ms": round(cpu[int(len(cpu) * 0.9) - 1], 2)}


def worker(db: str) -> dict:
    """Build the database, then time the three cases (this process: the code of the tree it runs from)."""
    from sqlalchemy import select, update
    from sqlmodel import Session

    from bench.bench_roster_store import _database, _setup
    from core import db as dbm
    from dutydesk.server import freeze_startup_heap
    from models import schema
    from models.rosters.roster import RosterSlot
    from services.rosters.generate import generate_units
    from services.rosters.views import on_duty_now

    url, drop = _database(db)
    engine = dbm.make_engine(url)
    writer = dbm.make_engine(url)  # "another process" reassigning slots
    try:
        schema.upgrade(engine)
        uids = _setup(engine, UNITS)
        generate_units(session_factory=lambda: dbm.session_scope(engine), unit_ids=uids, months=["2025-06"],
                       actor="bench", tz="Asia/Shanghai")
        now = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)
        with Session(writer) as s:
            slots = s.exec(select(RosterSlot.id, RosterSlot.person_id).where(
                RosterSlot.starts_at <= now, RosterSlot.ends_at > now).limit(2)).all()
        out: dict = {"db": db, "units": UNITS}
        with Session(engine) as s:
            rows = on_duty_now(session=s, now=now)  # warm
            s.commit()
            out["units_on_duty"] = len(rows)
            freeze_startup_heap()  # as `dutydesk serve` does once started

            def timed(before=lambda i: None, at=lambda i: now) -> dict:
                times, cpu = [], []
                for i in range(21):
                    before(i)
                    t, c = time.perf_counter(), time.process_time()
                    on_duty_now(session=s, now=at(i))
                    cpu.append((time.process_time() - c) * 1000)
                    times.append((time.perf_counter() - t) * 1000)
                    s.commit()  # the request's end, as web/deps.get_session commits
                return _figures(times, cpu)

            def reassign(i: int) -> None:  # swap the two people of two running slots, committed elsewhere
                (a, pa), (b, pb) = slots
                with Session(writer) as w:
                    w.exec(update(RosterSlot).where(RosterSlot.id == a).values(person_id=pb if i % 2 == 0 else pa))
                    w.exec(update(RosterSlot).where(RosterSlot.id == b).values(person_id=pa if i % 2 == 0 else pb))
                    w.commit()

            out["steady"] = timed()
            out["after_change"] = timed(before=reassign)
            from services.rosters import views
            kept = on_duty_now(session=s, now=now)
            views._KEPT.clear()  # the answer kept through the changes, against one built from nothing
            out["after_change_same_as_rebuilt"] = kept == on_duty_now(session=s, now=now)
            s.commit()
            out["moving"] = timed(at=lambda i: now + timedelta(seconds=i + 1))
        return out
    finally:
        engine.dispose()
        writer.dispose()
        drop()


def _tree(rev: str, *benches: str) -> Path:
    """The files of `rev`, exported to a temporary folder (no worktree), with these bench files of this tree."""
    blob = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    where = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(where, filter="data")
    for name in ("bench_on_duty.py", *benches):  # the old tree runs this tree's workers (the same measurement)
        (where / "bench" / name).write_text((ROOT / "bench" / name).read_text())
    return where


def _spawn(tree: Path, db: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-m", "bench.bench_on_duty", "--worker", db], cwd=tree, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(results: dict, rounds: int, labels: list[str]) -> str:
    """Markdown rows: per case and run, wall median / p90 (CPU median / p90) for each tree and database."""
    head = [f"{db} {label}" for db in ("sqlite", "postgresql") for label in labels]
    lines = ["| case | run | " + " | ".join(head) + " |", "|---" * (2 + len(head)) + "|"]
    for case in ("steady", "after_change", "moving"):
        for r in range(1, rounds + 1):
            cells = []
            for db in ("sqlite", "postgresql"):
                for label in labels:
                    f = results[f"{label}_{db}_{r}"][case]
                    cells.append(f"{f['median_ms']} / {f['p90_ms']} ({f['cpu_median_ms']} / {f['cpu_p90_ms']})")
            lines.append(f"| {case} | {r} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(quick: bool = False, ab: str | None = "HEAD~1", rounds: int = 2) -> dict:
    """Interleaved runs of this tree and of `ab` on both databases; the figures of each run and their goals."""
    trees = [("new", ROOT)] + ([("old", _tree(ab))] if ab and not quick else [])
    results: dict = {"cores": os.cpu_count(), "load_before": [round(x, 2) for x in os.getloadavg()], "goal": GOAL}
    for r in range(1 if quick else rounds):
        for db in ("sqlite", "postgresql"):
            for label, tree in trees:
                found = _spawn(tree, db)
                key = f"{label}_{db}_{r + 1}"
                results[key] = {k: found[k] for k in ("steady", "after_change", "moving") if k in found}
                results[key]["same_as_rebuilt"] = found.get("after_change_same_as_rebuilt")
                print(f"{key:>18}: {results[key]}  (load {os.getloadavg()[0]:.2f})", flush=True)
    print(_table(results, rounds=1 if quick else rounds, labels=[label for label, _ in trees]))
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"{os.cpu_count()} cores; goal median ≤ {GOAL['median_ms']} ms, p90 ≤ {GOAL['p90_ms']} ms "
          f"on both databases; load {results['load_before']} → {results['load_after']}")
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2])))
    else:
        args = sys.argv[1:]
        rev = args[args.index("--ab") + 1] if "--ab" in args else "HEAD~1"
        n = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
        run(ab=rev, rounds=n)
