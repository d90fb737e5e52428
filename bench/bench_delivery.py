"""Benchmark: outbox → dispatcher → loopback webhook sink (its own uvicorn process), against Apprise.

Throughput, end to end: with the dispatcher running in its thread (as in `dutydesk serve`), N rows
are enqueued in transactions of 100 (each commit wakes it); the clock stops when the last result is
written back. SQLite file (WAL) as embedded, or PostgreSQL with `--pg`. Wall and CPU time (this
process: enqueue + dispatch) are reported; the sink counts by webhook-id, so duplicates would show.
Apprise (`json://`, one notify() per message, as its bridge does) sends the same messages
to the same sink in the same run. Both with a zero-latency sink (CPU cost per delivery)
and a 50 ms sink (a provider API; the "≥ 5× Apprise" goal). Latency: one row committed
every 20 ms (50/s) with the dispatcher running in its thread; outbox commit → sink arrival.
Each throughput row is measured with the dispatcher in this process (embedded, 1 engine) and with
2 engine processes (`--engines=N`; scaled out, `dutydesk serve --role engine` ×N; they poll every 20 ms).
Run: python -m bench.bench_delivery [--quick] [--pg] [--engines=N]
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import func
from sqlmodel import Session, col, select

from bench import delivery_sink, delivery_workers
from core import db
from engine.dispatcher import Dispatcher
from models import schema
from models.deliveries import ChannelConfigCreate, Delivery
from services import deliveries

KEY = "bench-secret-key-0123456789"
SECRET = "whsec_" + base64.b64encode(b"bench-signing-key-0123456789abcd").decode()


PG_URL = os.environ.get("DUTYDESK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _database(folder: str, pg: bool = False):
    if not pg:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        schema.upgrade(engine)
        return engine, lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"dutydesk_bench_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = db.make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    schema.upgrade(engine)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return engine, drop


def _channel(engine, name: str, url: str, concurrency: int) -> None:
    with Session(engine) as s:
        deliveries.create_channel(session=s, actor="bench", key=KEY, data=ChannelConfigCreate(
            name=name, kind="webhook", max_concurrency=concurrency,
            config={"base_url": f"{url}/hook", "secret": SECRET, "timeout": 10}))
        s.commit()


def _text(i: int) -> str:
    return f"【突发事件】第{i}号：城东化工厂发生火情，请带班领导立即确认。"


def _enqueue(engine, tag: str, n: int, channel: str, chunk: int = 100) -> None:
    """n rows in transactions of `chunk` (as incidents arrive: each commit wakes the dispatcher)."""
    for start in range(0, n, chunk):
        with Session(engine) as s:
            for i in range(start, min(n, start + chunk)):
                deliveries.enqueue(session=s, source="bench", source_id=tag, step="1", recipient={"name": f"r{i}"},
                                   channel=channel, subject="值班通知", text=_text(i))
            s.commit()


def _final(engine, tag: str) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Delivery).where(
            Delivery.source_id == tag, col(Delivery.state).in_(["sent", "delivered", "failed"]))).one()


def ours(engine, url: str, n: int, concurrency: int, tag: str, workers: int = 1) -> dict:
    """Enqueue → sink → result recorded, with the dispatcher(s) already running; wall and CPU seconds.

    workers=1: the dispatcher in this process (embedded `dutydesk serve`); more: that many engine
    processes (scaled out), CPU summed over this process and them.
    """
    _channel(engine, tag, url, concurrency)
    delivery_sink.reset(url)
    if workers > 1:
        procs = delivery_workers.start(engine.url.render_as_string(hide_password=False), KEY, workers)
        t0, c0 = time.perf_counter(), time.process_time()
        _enqueue(engine, tag, n, tag)
        enqueued = time.perf_counter() - t0
        deadline = time.monotonic() + 300
        while _final(engine, tag) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        cpu += delivery_workers.stop(procs)
        stats = delivery_sink.get(url, "/stats")
        assert stats["unique"] == n and stats["duplicates"] == 0, stats
        return {"per_s": n / wall, "wall_s": wall, "cpu_s": cpu, "cpu_ms_each": cpu / n * 1000, "enqueue_s": enqueued}
    dispatcher = Dispatcher(engine, key=KEY, public_url="http://bench", batch=500, max_inflight=1024)
    dispatcher.start()
    try:
        assert dispatcher.ready.wait(30), "dispatcher did not start"
        t0, c0 = time.perf_counter(), time.process_time()
        _enqueue(engine, tag, n, tag)
        enqueued = time.perf_counter() - t0
        deadline = time.monotonic() + 300
        while dispatcher.recorded < n and time.monotonic() < deadline:
            time.sleep(0.01)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        dispatcher.stop()
    stats = delivery_sink.get(url, "/stats")
    assert dispatcher.sent == n and stats["unique"] == n and stats["duplicates"] == 0, (dispatcher.sent, stats)
    return {"per_s": n / wall, "wall_s": wall, "cpu_s": cpu, "cpu_ms_each": cpu / n * 1000,
            "enqueue_s": enqueued}


def apprise_rate(url: str, n: int) -> dict:
    """Apprise json:// to the same sink, one notify() per message."""
    import apprise

    a = apprise.Apprise()
    a.add(f"json://{url.removeprefix('http://')}/apprise")
    delivery_sink.reset(url)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        assert a.notify(body=_text(i), title="值班通知")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert delivery_sink.get(url, "/stats")["received"] == n
    return {"per_s": n / wall, "wall_s": wall, "cpu_s": cpu, "cpu_ms_each": cpu / n * 1000}


def latency(engine, url: str, per_second: float, seconds: float) -> dict:
    """Commit one row at a time at `per_second`; ms from commit to the sink's arrival stamp."""
    _channel(engine, "lat", url, 16)
    delivery_sink.reset(url)
    dispatcher = Dispatcher(engine, key=KEY, public_url="http://bench", poll=0.5)
    dispatcher.start()
    committed: dict[str, float] = {}
    try:
        assert dispatcher.ready.wait(30), "dispatcher did not start"
        c0 = time.process_time()
        n, gap, start = int(per_second * seconds), 1.0 / per_second, time.perf_counter()
        for i in range(n):
            with Session(engine) as s:
                row = deliveries.enqueue(session=s, source="bench", source_id="lat", step="1", recipient={"name": f"l{i}"},
                                         channel="lat", subject="值班通知", text=_text(i))
                key = row.idempotency_key
                s.commit()  # wakes the dispatcher (after_commit hook)
            committed[key] = time.time()
            time.sleep(max(0.0, start + (i + 1) * gap - time.perf_counter()))
        deadline = time.time() + 30
        while delivery_sink.get(url, "/stats")["unique"] < n and time.time() < deadline:
            time.sleep(0.1)
        cpu = time.process_time() - c0
    finally:
        dispatcher.stop()
    arrived = delivery_sink.get(url, "/times")
    ms = sorted((arrived[k] - t) * 1000 for k, t in committed.items() if k in arrived)
    return {"n": len(ms), "missing": len(committed) - len(ms), "p50_ms": statistics.median(ms),
            "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "max_ms": ms[-1], "cpu_s": cpu}


GOALS = {"per_s": 500, "ratio_50ms": 5.0, "p99_ms": 100,
         # issue 16, the zero-latency sink with one engine: the pipeline's own cost per message
         "per_s_0ms": 1000, "ratio_0ms": 2.5, "cpu_ms_0ms": 0.6}


def _table(out: dict) -> None:
    """The figures as a table, each goal marked met or not."""
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT MET"
    print(f"\ndelivery benchmark ({out['database']}, {os.cpu_count()} cores, load {out['load']})")
    print(f"{'sink':<6}{'engines':>8}{'n':>6}{'dutydesk/s':>12}{'wall s':>8}{'cpu s':>8}{'cpu ms/msg':>11}"
          f"{'apprise/s':>11}{'apprise cpu ms/msg':>19}{'ratio':>7}  goal")
    for key in [k for k in out if k.startswith("sink_")]:
        r, label = out[key], f"{key.split('_')[1].removesuffix('ms')} ms"
        goal = f"≥{GOALS['per_s']}/s {mark(r['dutydesk_per_s'] >= GOALS['per_s'])}"
        if key == "sink_0ms":
            goal = (f"≥{GOALS['per_s_0ms']}/s {mark(r['dutydesk_per_s'] >= GOALS['per_s_0ms'])}; "
                    f"≥{GOALS['ratio_0ms']}x {mark(r['ratio'] >= GOALS['ratio_0ms'])}; "
                    f"≤{GOALS['cpu_ms_0ms']} ms/msg {mark(r['cpu_ms_each'] <= GOALS['cpu_ms_0ms'])}")
        if key.startswith("sink_50ms"):
            goal += f"; ≥{GOALS['ratio_50ms']:.0f}x {mark(r['ratio'] >= GOALS['ratio_50ms'])}"
        print(f"{label:<6}{r['engines']:>8}{r['n']:>6}{r['dutydesk_per_s']:>12}{r['wall_s']:>8}{r['cpu_s']:>8}{r['cpu_ms_each']:>11}"
              f"{r['apprise_per_s']:>11}{r['apprise_cpu_ms_each']:>19}{r['ratio']:>6}x  {goal}")
    lat = out["latency_50_per_s"]
    print(f"commit → sink at 50/s over {lat['n']} (missing {lat['missing']}): p50 {lat['p50_ms']} ms, "
          f"p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms, cpu {lat['cpu_s']} s  "
          f"goal p99 ≤{GOALS['p99_ms']} ms {mark(lat['p99_ms'] <= GOALS['p99_ms'])}")


def _row(mine: dict, theirs: dict, n: int, conc: int, engines: int) -> dict:
    return {"n": n, "engines": engines, "dutydesk_per_s": round(mine["per_s"]), "wall_s": round(mine["wall_s"], 2),
            "cpu_s": round(mine["cpu_s"], 2), "cpu_ms_each": round(mine["cpu_ms_each"], 2),
            "enqueue_s": round(mine["enqueue_s"], 2), "apprise_per_s": round(theirs["per_s"], 1),
            "apprise_cpu_ms_each": round(theirs["cpu_ms_each"], 2),
            "ratio": round(mine["per_s"] / theirs["per_s"], 1), "concurrency": conc}


def run(quick: bool = False, pg: bool = False, engines: tuple[int, ...] = (1, 2)) -> dict:
    """Throughput vs Apprise at 0 and 50 ms sink latency, then commit-to-sink latency at 50/s."""
    scale = 0.25 if quick else 1.0
    out: dict = {"database": "postgresql" if pg else "sqlite", "load": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory() as folder:
        engine, drop = _database(folder, pg)
        try:
            for latency_s, n, n_apprise, conc in ((0.0, 4000, 500, 16), (0.05, 4000, 60, 64)):
                proc, url = delivery_sink.start(latency_s)
                try:
                    theirs = apprise_rate(url, max(int(n_apprise * scale), 20))
                    mine = {w: ours(engine, url, int(n * scale), conc, f"t{int(latency_s * 1000)}w{w}", w)
                            for w in engines}
                finally:
                    proc.terminate()
                    proc.wait(10)
                for w, m in mine.items():
                    out[f"sink_{int(latency_s * 1000)}ms" + ("" if w == 1 else f"_{w}engines")] = _row(
                        m, theirs, int(n * scale), conc, w)
            proc, url = delivery_sink.start(0.0)
            try:
                lat = latency(engine, url, 50, 4 if quick else 10)
            finally:
                proc.terminate()
                proc.wait(10)
            out["latency_50_per_s"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in lat.items()}
        finally:
            engine.dispose()
            drop()
    _table(out)
    return out


if __name__ == "__main__":
    workers = next((int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--engines=")), 2)
    print(json.dumps(run("--quick" in sys.argv, "--pg" in sys.argv, tuple(sorted({1, workers}))),
                     ensure_ascii=False, indent=1))
