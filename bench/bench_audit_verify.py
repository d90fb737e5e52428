"""Benchmark: seal and verify an audit chain of 1,000,000 entries (`services.audit`) in a temp SQLite file."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from core import db
from models import schema
from services import audit


def _fill(engine, n: int, chunk: int = 50_000) -> float:
    """Insert n unsealed entries with executemany, as writers leave them; returns seconds."""
    started = time.perf_counter()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for lo in range(1, n + 1, chunk):
            rows = []
            for seq in range(lo, min(lo + chunk, n + 1)):
                after = {"outcome": "normal", "unit": f"u{seq % 3000}", "rings": seq % 7}
                at = (t0 + timedelta(seconds=seq * 30)).replace(tzinfo=None).isoformat(sep=" ")
                rows.append((seq, at, "duty", "create", "phone_check", f"{seq:032x}", f"u{seq % 3000}", None,
                             json.dumps(after), ""))
            cur.execute("BEGIN")
            cur.executemany("INSERT INTO audit_entry (seq, at, actor, action, entity, entity_id, unit_id, before, "
                            "after, note) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            cur.execute("COMMIT")
    finally:
        raw.close()
    return time.perf_counter() - started


def _seal(engine) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        audit.seal(session=session)
        session.commit()
    return time.perf_counter() - started


QUICK_ENTRIES = 50_000


def run(entries: int = 1_000_000, quick: bool = False) -> dict:
    """Fill a temp database, verify it untouched, then once more after editing one entry (quick: 50k entries)."""
    if quick:
        entries = min(entries, QUICK_ENTRIES)
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        schema.upgrade(engine)
        fill_s = _fill(engine, entries)
        seal_s = _seal(engine)
        with Session(engine) as session:
            started, cpu = time.perf_counter(), time.process_time()
            checked, problems = audit.verify(session=session)
            verify_s, verify_cpu = time.perf_counter() - started, time.process_time() - cpu
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entry SET note = 'edited' WHERE seq = :s"), {"s": entries // 2})
        with Session(engine) as session:
            _, tampered = audit.verify(session=session)
        engine.dispose()
    out = {"entries": checked, "fill_s": round(fill_s, 1), "seal_s": round(seal_s, 2), "verify_s": round(verify_s, 2),
           "verify_cpu_s": round(verify_cpu, 2),
           "entries_per_s": int(checked / verify_s), "problems_untouched": len(problems),
           "tamper_found_at": [p.seq for p in tampered], "cpus": os.cpu_count(),
           "per_million_s": round(verify_s * 1_000_000 / max(checked, 1), 1)}
    print(out)
    return out


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
