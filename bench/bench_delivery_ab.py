"""Benchmark: deliveries per second to a zero-latency loopback sink against Apprise, A/B against a git rev.

The zero-latency row of bench_delivery (the dispatcher in this process, one engine; `ours` and `apprise_rate`
from the tree under test), run in fresh worker processes, interleaved: this tree, then REV (exported with
`git archive`, default HEAD~1), `--rounds` times, on SQLite and PostgreSQL. A zero-latency sink shows the
pipeline's own CPU per message (enqueue + claim + send + record), not what concurrency buys (bench_delivery's
50 ms sink does). Printed next to the goals, with the core count and the load before each run.
Run: python -m bench.bench_delivery_ab [--ab REV] [--rounds N] [--sqlite-only]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from bench.bench_on_duty import ROOT, _tree

GOAL = {"per_s": 1000, "ratio": 2.5, "cpu_ms_each": 0.6}
N, N_APPRISE, CONCURRENCY = 4000, 500, 16


def worker(pg: bool) -> dict:
    """One zero-latency row: Apprise, then the dispatcher, to the same sink (the tree this process runs from)."""
    from bench import delivery_sink
    from bench.bench_delivery import _database, apprise_rate, ours

    with tempfile.TemporaryDirectory() as folder:
        engine, drop = _database(folder, pg)
        proc, url = delivery_sink.start(0.0)
        try:
            theirs = apprise_rate(url, N_APPRISE)
            mine = ours(engine, url, N, CONCURRENCY, "ab", 1)
        finally:
            proc.terminate()
            proc.wait(10)
            engine.dispose()
            drop()
    return {"per_s": round(mine["per_s"]), "cpu_ms_each": round(mine["cpu_ms_each"], 3),
            "apprise_per_s": round(theirs["per_s"]), "apprise_cpu_ms_each": round(theirs["cpu_ms_each"], 3),
            "ratio": round(mine["per_s"] / theirs["per_s"], 2)}


def _spawn(tree, pg: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", "bench.bench_delivery_ab", "--worker"] + (["--pg"] if pg else [])
    out = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mark(r: dict) -> str:
    ok = [r["per_s"] >= GOAL["per_s"], r["ratio"] >= GOAL["ratio"], r["cpu_ms_each"] <= GOAL["cpu_ms_each"]]
    return " ".join(f"{name} {'met' if good else 'NOT MET'}" for name, good in zip(("rate", "ratio", "cpu"), ok))


def run(quick: bool = False, ab: str | None = "HEAD~1", rounds: int = 2, databases=("sqlite", "postgresql")) -> dict:
    """Interleaved A/B runs of the zero-latency row; every run's figures."""
    trees = [("new", ROOT)] + ([("old", _tree(ab, "bench_delivery_ab.py"))] if ab and not quick else [])
    out: dict = {"cores": os.cpu_count(), "goal": GOAL}
    print(f"{os.cpu_count()} cores; goals: ≥ {GOAL['per_s']}/s, ≥ {GOAL['ratio']}× Apprise in the same run, "
          f"CPU ≤ {GOAL['cpu_ms_each']} ms a delivery (enqueue + claim + send + record)")
    for r in range(1 if quick else rounds):
        for db in databases:
            for label, tree in trees:
                load = round(os.getloadavg()[0], 1)
                found = _spawn(tree, db == "postgresql")
                key = f"{label}_{db}_{r + 1}"
                out[key] = {**found, "load": load}
                print(f"{key:>18}: {found['per_s']:>5}/s  cpu {found['cpu_ms_each']:.3f} ms/msg  apprise "
                      f"{found['apprise_per_s']:>4}/s ({found['apprise_cpu_ms_each']:.3f} ms)  ratio "
                      f"{found['ratio']:.2f}×  load {load}  [{_mark(found)}]", flush=True)
    return out


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker("--pg" in sys.argv)))
    else:
        args = sys.argv[1:]
        rev = args[args.index("--ab") + 1] if "--ab" in args else "HEAD~1"
        n = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
        run(ab=rev, rounds=n, databases=("sqlite",) if "--sqlite-only" in args else ("sqlite", "postgresql"))
