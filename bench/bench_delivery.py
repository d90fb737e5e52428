"""Benchmark: outbox → dispatcher → loopback webhook sink (its own uvicorn process), against Apprise.

Throughput: N rows committed, then the dispatcher claims, signs, POSTs and records them all
(SQLite file, WAL, as embedded); the sink counts by webhook-id, so duplicates would show.
Apprise (`json://`, one notify() per message, as its bridge does) sends the same messages
to the same sink in the same run. Both with a zero-latency sink (CPU cost per delivery)
and a 50 ms sink (a provider API; the "≥ 5× Apprise" goal). Latency: one row committed
every 20 ms (50/s) with the dispatcher running in its thread; outbox commit → sink arrival.
Run: python -m bench.bench_delivery
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlmodel import Session

from dutydesk import db
from engine.dispatcher import Dispatcher
from models.deliveries import ChannelConfigCreate
from services import deliveries
from tests.peers import free_port

KEY = "bench-secret-key-0123456789"
SECRET = "whsec_" + base64.b64encode(b"bench-signing-key-0123456789abcd").decode()


def _sink(latency: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.delivery_sink", str(port), str(latency)],
                            cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            _get(url, "/stats")
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("sink did not start")


def _get(url: str, path: str) -> dict:
    with urllib.request.urlopen(url + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def _reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/reset", method="POST"), timeout=10).read()


def _database(folder: str):
    engine = db.make_engine(f"sqlite:///{folder}/bench.db")
    db.upgrade(engine)
    return engine


def _channel(engine, name: str, url: str, concurrency: int) -> None:
    with Session(engine) as s:
        deliveries.create_channel(session=s, actor="bench", key=KEY, data=ChannelConfigCreate(
            name=name, kind="webhook", max_concurrency=concurrency,
            config={"base_url": f"{url}/hook", "secret": SECRET, "timeout": 10}))
        s.commit()


def _text(i: int) -> str:
    return f"【突发事件】第{i}号：城东化工厂发生火情，请带班领导立即确认。"


def _enqueue(engine, tag: str, n: int, channel: str) -> None:
    with Session(engine) as s:
        for i in range(n):
            deliveries.enqueue(session=s, source="bench", source_id=tag, step="1", recipient={"name": f"r{i}"},
                               channel=channel, subject="值班通知", text=_text(i))
        s.commit()


def ours(engine, url: str, n: int, concurrency: int, tag: str) -> float:
    """Deliveries per second, commit of the batch excluded, recording of results included."""
    _channel(engine, tag, url, concurrency)
    _reset(url)
    _enqueue(engine, tag, n, tag)
    dispatcher = Dispatcher(engine, key=KEY, public_url="http://bench", batch=500, max_inflight=1024)
    t0 = time.perf_counter()
    sent = asyncio.run(dispatcher.run_until_idle(timeout=300))
    elapsed = time.perf_counter() - t0
    stats = _get(url, "/stats")
    assert sent == n and stats["unique"] == n and stats["duplicates"] == 0, (sent, stats)
    return n / elapsed


def apprise_rate(url: str, n: int) -> float:
    """Apprise json:// to the same sink, one notify() per message."""
    import apprise

    a = apprise.Apprise()
    a.add(f"json://{url.removeprefix('http://')}/apprise")
    _reset(url)
    t0 = time.perf_counter()
    for i in range(n):
        assert a.notify(body=_text(i), title="值班通知")
    elapsed = time.perf_counter() - t0
    assert _get(url, "/stats")["received"] == n
    return n / elapsed


def latency(engine, url: str, per_second: float, seconds: float) -> dict:
    """Commit one row at a time at `per_second`; ms from commit to the sink's arrival stamp."""
    _channel(engine, "lat", url, 16)
    _reset(url)
    dispatcher = Dispatcher(engine, key=KEY, public_url="http://bench", poll=0.5)
    dispatcher.start()
    committed: dict[str, float] = {}
    try:
        time.sleep(0.5)
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
        while _get(url, "/stats")["unique"] < n and time.time() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.stop()
    arrived = _get(url, "/times")
    ms = sorted((arrived[k] - t) * 1000 for k, t in committed.items() if k in arrived)
    return {"n": len(ms), "missing": len(committed) - len(ms), "p50_ms": statistics.median(ms),
            "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "max_ms": ms[-1]}


def run(quick: bool = False) -> dict:
    """Throughput vs Apprise at 0 and 50 ms sink latency, then commit-to-sink latency at 50/s."""
    scale = 0.25 if quick else 1.0
    out: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = _database(folder)
        for latency_s, n, n_apprise, conc in ((0.0, 3000, 500, 8), (0.05, 3000, 60, 64)):
            proc, url = _sink(latency_s)
            try:
                tag = f"t{int(latency_s * 1000)}"
                ours_rate = ours(engine, url, int(n * scale), conc, tag)
                ap_rate = apprise_rate(url, max(int(n_apprise * scale), 20))
                out[f"sink_{int(latency_s * 1000)}ms"] = {
                    "dutydesk_per_s": round(ours_rate), "apprise_per_s": round(ap_rate, 1),
                    "ratio": round(ours_rate / ap_rate, 1), "concurrency": conc}
                print(f"sink {latency_s * 1000:>3.0f} ms: dutydesk {ours_rate:7.0f}/s  apprise {ap_rate:6.1f}/s  "
                      f"ratio {ours_rate / ap_rate:5.1f}x  (channel concurrency {conc})")
            finally:
                proc.terminate()
                proc.wait(10)
        proc, url = _sink(0.0)
        try:
            lat = latency(engine, url, 50, 4 if quick else 10)
        finally:
            proc.terminate()
            proc.wait(10)
        out["latency_50_per_s"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in lat.items()}
        print(f"commit → sink at 50/s: p50 {lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms, "
              f"max {lat['max_ms']:.1f} ms over {lat['n']} (missing {lat['missing']})")
        engine.dispose()
    return out


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), ensure_ascii=False, indent=1))
