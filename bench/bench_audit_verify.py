"""Benchmark: seal and verify a keyed audit chain of 1,000,000 entries (services/audit/chain.py) in a temp SQLite
file, and in the same run the same entries chained without a key (the SHA-256 chain of earlier versions): the
cost of the HMAC side by side."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, select, text, update
from sqlmodel import Session

from core import db
from models import schema
from services.audit import chain

KEY = chain.ChainKey(b"bench-audit-key-0123456789abcdef")


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
        chain.seal(session=session, key=KEY)
        session.commit()
    return time.perf_counter() - started


def _unkeyed(engine) -> None:
    """Re-chain the same entries with the unkeyed digest (what verify checks for key=None)."""
    T = chain.T
    with Session(engine) as session:
        stmt = update(T).where(T.c.seq == bindparam("k")).values(prev_hash=bindparam("ph"), hash=bindparam("h"),
                                                                  key_id=None)
        rows = session.execute(select(T.c.chain_pos, *chain.CONTENT).order_by(T.c.chain_pos)).all()
        prev, params = chain.GENESIS, []
        for row in rows:
            h = chain.digest(None, *row, prev)
            params.append({"k": row[1], "ph": prev, "h": h})
            prev = h
        session.execute(stmt, params, execution_options={"synchronize_session": False})
        session.commit()


def _timed_verify(engine, key) -> tuple[float, float, int, list]:
    with Session(engine) as session:
        started, cpu = time.perf_counter(), time.process_time()
        checked, problems = chain.verify(session=session, key=key)
        return time.perf_counter() - started, time.process_time() - cpu, checked, problems


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
        verify_s, verify_cpu, checked, problems = _timed_verify(engine, KEY)
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entry SET note = 'edited' WHERE seq = :s"), {"s": entries // 2})
        _, _, _, tampered = _timed_verify(engine, KEY)
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entry SET note = '' WHERE seq = :s"), {"s": entries // 2})
        _unkeyed(engine)
        unkeyed_s, unkeyed_cpu, _, unkeyed_problems = _timed_verify(engine, None)
        engine.dispose()
    out = {"entries": checked, "fill_s": round(fill_s, 1), "seal_s": round(seal_s, 2), "verify_s": round(verify_s, 2),
           "verify_cpu_s": round(verify_cpu, 2), "unkeyed_verify_s": round(unkeyed_s, 2),
           "unkeyed_verify_cpu_s": round(unkeyed_cpu, 2), "unkeyed_problems": len(unkeyed_problems),
           "entries_per_s": int(checked / verify_s), "problems_untouched": len(problems),
           "tamper_found_at": [p.seq for p in tampered], "cpus": os.cpu_count(),
           "per_million_s": round(verify_s * 1_000_000 / max(checked, 1), 1)}
    print(out)
    return out


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
