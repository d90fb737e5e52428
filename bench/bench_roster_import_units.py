"""Benchmark: a province's month, 3,000 units each importing its own month file in one run.

Each unit's file is laid out as a county office keeps it (bench_roster_import.workbook: merged title, 12月1日
dates, leader cell merged over the day's officer rows, phones in the name cells, 备注, a merged footer), one
sheet for one month. The directory (units, people, posts, pools) is set up first and not timed; then each file
is read, previewed and imported, one transaction per unit, as 3,000 clerks would do through the API. Figures:
files per second, per-file p50 / p95 / max, the whole run. `quick` imports 300 units.
Run: python -m bench.bench_roster_import_units [--pg]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

from bench.bench_roster_import import _staffed_unit, workbook


def _setup(engine, units: int) -> list:
    """`units` units with the bench's six leaders and ten officers each, default posts and pools."""
    from sqlmodel import Session

    ids = []
    with Session(engine) as session:
        for i in range(units):
            unit = _staffed_unit(session, f"单位{i:04d}", f"u{i:04d}")
            ids.append(unit.id)
            if i % 100 == 99:
                session.commit()
        session.commit()
    return ids


def run(quick: bool = False, pg: bool = False) -> dict:
    from sqlmodel import Session

    from core import db
    from core.spreadsheets import read_workbook
    from models import schema
    from services.access import Actor
    from services.rosters import imports

    n = 300 if quick else 3000
    if pg:
        url = os.environ.get("DUTYDESK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_import")
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        admin.dispose()
    else:
        url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='bench-import-units-'), 'bench.db')}"
    engine = db.make_engine(url)
    schema.upgrade(engine)
    t_setup = time.perf_counter()
    units = _setup(engine, n)
    setup_s = time.perf_counter() - t_setup
    data = workbook(1)  # January: one sheet, each unit's own copy read from bytes as an upload is
    by, tz = Actor.system("bench"), os.environ.get("DUTYDESK_TIMEZONE", "Asia/Shanghai")
    now = datetime(2000, 1, 1, tzinfo=UTC)  # nothing served yet: the bench measures reading and writing
    per_file, slots = [], 0
    started = time.perf_counter()
    for unit_id in units:
        t0 = time.perf_counter()
        with Session(engine) as session:
            sheets = read_workbook(data)
            preview = imports.preview_import(session=session, unit_id=unit_id, sheets=sheets, by=by, now=now)
            assert preview.ok, [p.text for p in preview.problems[:5]]
            _, rows = imports.import_roster(session=session, unit_id=unit_id, sheets=sheets, by=by, tz=tz, now=now)
            session.commit()
            slots += sum(r.slots for r in rows)
        per_file.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    engine.dispose()
    tenth = max(1, n // 10)
    first, last = statistics.median(per_file[:tenth]), statistics.median(per_file[-tenth:])
    per_file.sort()
    figures = {"database": "PostgreSQL" if pg else "SQLite", "units": n, "person_slots": slots,
               "setup_s (not timed below)": round(setup_s, 1), "total_s": round(total, 1),
               "files_per_s": round(n / total, 1),
               "per_file_p50_ms": round(statistics.median(per_file) * 1000, 1),
               "per_file_p95_ms": round(per_file[int(0.95 * (n - 1))] * 1000, 1),
               "per_file_max_ms": round(per_file[-1] * 1000, 1),
               "p50 first / last tenth of units (flat = no growth with size)": f"{first * 1000:.0f} / {last * 1000:.0f} ms",
               "cores / load": f"{os.cpu_count()} / {os.getloadavg()[0]:.1f}"}
    print(figures)
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv, pg="--pg" in sys.argv)
