"""Benchmark: /healthz while 8 legal but heavy .xlsx uploads (440,000 cells each, ~2 MB, seconds to parse) arrive at
once from 4 accounts at a roster import's preview, on a real server (uvicorn, SQLite file).

`before`: the parse in the web process's worker threads, unbounded (anyio.to_thread, as up to 2026-12-04);
`after`: the parse pool (web/parsing.py: 2 niced worker processes, 2 more waiting, 2 per account; the rest 503 with
Retry-After). Figures: /healthz p50 / p99 / max (ms) during the uploads, the answers by status, the wall time.
Timing is reported here; tests/security/test_heavy_uploads.py asserts the mechanism and a generous bound.
Run: python -m bench.bench_heavy_uploads [--quick]
"""

from __future__ import annotations

import collections
import sys
import tempfile
from pathlib import Path

import anyio

from tests.security.heavy_upload import heavy_xlsx, live, percentiles, storm
from web import parsing


async def _in_thread(request, session, caller, fn, *args):
    """What the web did before the pool: parse in one of its own threads, no bound, the transaction kept open."""
    return await anyio.to_thread.run_sync(fn, *args)


def _round(mode: str, data: bytes) -> dict:
    pooled = parsing.parse
    if mode == "before":
        parsing.parse = _in_thread
    try:
        with tempfile.TemporaryDirectory() as tmp, live(Path(tmp), parse_workers=2, parse_queue=2,
                                                        parse_per_caller=2) as (url, unit_id, headers):
            out = storm(url, unit_id, headers, data, per_account=2)
    finally:
        parsing.parse = pooled
    p50, p99 = percentiles(out["healthz"])
    statuses = collections.Counter(r.status_code if r is not None else "none" for _, r in out["answers"])
    return {f"{mode}_healthz_p50_ms": round(p50, 1), f"{mode}_healthz_p99_ms": round(p99, 1),
            f"{mode}_healthz_max_ms": round(max(out["healthz"]) * 1000, 1),
            f"{mode}_healthz_failed": out["healthz_failed"],
            f"{mode}_answers": dict(sorted(statuses.items(), key=str)), f"{mode}_seconds": round(out["seconds"], 1)}


def run(quick: bool = False) -> dict:
    data = heavy_xlsx(rows=2000) if quick else heavy_xlsx()
    return {**_round("before", data), **_round("after", data)}


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key:<24} {value}")
