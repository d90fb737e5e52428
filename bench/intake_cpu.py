"""CPU of POST /api/incidents in one process, with the engine's work for each incident (issue 16's figure).

The whole `dutydesk serve` app (role all: the escalator, the dispatcher, the audit seal on their clock) runs in
this process, each POST handed to it as uvicorn would (`Asgi`); the county has a webhook channel to a loopback sink in its own
process and a policy whose first step notifies two leaders, so each incident costs a step and two sends. The
figure is this process's CPU (`time.process_time`, every thread) from the first POST until the sink holds every
message and the process has gone quiet, divided by the POSTs: CPU time, so other tenants of the machine change
it little (wall time here measures them). Runs against whatever tree is on PYTHONPATH, so an A/B runs the same
file against two trees:

    PYTHONPATH=TREE python bench/intake_cpu.py [N] [ROUNDS] [sqlite|postgresql]   # prints one JSON line
    INTAKE_SPY=out.txt python bench/intake_cpu.py 200 1   # py-spy over the measured POSTs: where the CPU goes
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def _quiet(limit_s: float = 10.0, gap: float = 0.3, below: float = 0.004) -> None:
    """Wait until this process spends < `below` s of CPU in `gap` s (the engine has caught up)."""
    last, deadline = time.process_time(), time.monotonic() + limit_s
    while time.monotonic() < deadline:
        time.sleep(gap)
        now = time.process_time()
        if now - last < below:
            return
        last = now


def _spy(out: str | None):
    """py-spy over this process's measured part only (threads holding the GIL: CPU, not waiting)."""
    if not out:
        return None
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--gil", "-r", "250", "-f", "raw",
                            "-o", out, "--pid", str(os.getpid())], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    return spy


class Asgi:
    """Requests straight into the ASGI app on this thread's event loop, as uvicorn hands them over (no HTTP
    parsing, no test client: Starlette's TestClient costs as much CPU per request as the app it drives)."""

    def __init__(self, app) -> None:
        self.app, self.loop = app, asyncio.new_event_loop()
        self._life = app.router.lifespan_context(app)

    def __enter__(self):
        self.loop.run_until_complete(self._life.__aenter__())
        return self

    def __exit__(self, *exc) -> None:
        self.loop.run_until_complete(self._life.__aexit__(None, None, None))
        self.loop.close()

    def post(self, path: str, body: dict, headers: dict) -> tuple[int, bytes]:
        return self.loop.run_until_complete(self._call("POST", path, json.dumps(body).encode(), headers))

    async def _call(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
                 "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode()),
                             *((k.lower().encode(), v.encode()) for k, v in headers.items())]}
        sent, out = False, {"status": 0, "body": []}

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"].append(message.get("body", b""))

        await self.app(scope, receive, send)
        return out["status"], b"".join(out["body"])


def measure(n: int = 200, rounds: int = 3, backend: str = "sqlite") -> dict:
    import httpx

    from bench import incident_rig as rig
    from bench.incident_load import _body

    home = Path(tempfile.mkdtemp(prefix="bench-intake-cpu-"))
    url = f"sqlite:///{home / 'bench.db'}" if backend == "sqlite" else rig.fresh_pg("dd_bench_cpu")
    os.environ.update({k: v for k, v in rig.env_for(url, home, rig.free_port()).items() if k.startswith("DUTYDESK")})
    os.environ["DUTYDESK_ROLE"] = "all"
    from core import db
    from core.settings import get_settings
    from dutydesk import server
    from models import schema

    settings = get_settings()
    engine = db.make_engine(url)
    schema.upgrade(engine)
    per_post = []
    try:
        with rig.sink() as sink:
            c = rig.county(engine, sink_url=sink, steps=1, together=2)
            with Asgi(server.build_app(settings, engine)) as http:
                headers = {"Authorization": f"Bearer {c['token']}"}

                def post(i: int) -> None:
                    status, text = http.post("/api/incidents", _body(c["town"], i), headers)
                    assert status == 201, text

                def wait_sink(total: int) -> None:
                    deadline = time.monotonic() + 60
                    while httpx.get(f"{sink}/stats").json()["unique"] < total and time.monotonic() < deadline:
                        time.sleep(0.05)

                for i in range(20):  # warm up: imports, templates, first connections
                    post(i)
                sent = 40
                wait_sink(sent)
                _quiet()
                spy = _spy(os.environ.get("INTAKE_SPY"))
                for r in range(rounds):
                    gc.collect()
                    cpu0 = time.process_time()
                    for i in range(n):
                        post(1000 * (r + 1) + i)
                    sent += 2 * n
                    wait_sink(sent)
                    _quiet()
                    per_post.append((time.process_time() - cpu0) / n * 1000)
                stats = httpx.get(f"{sink}/stats").json()
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(30)
    finally:
        engine.dispose()
        if backend != "sqlite":
            rig.drop_pg(url)
    return {"backend": backend, "n": n, "cpu_ms_per_post": [round(x, 2) for x in per_post],
            "median": round(statistics.median(per_post), 2), "sink": stats, "load": round(os.getloadavg()[0], 1)}


if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("PYTHONPATH", "").split(":")[0] or str(Path(__file__).resolve().parent.parent))
    args = sys.argv[1:]
    print(json.dumps(measure(int(args[0]) if args else 200, int(args[1]) if len(args) > 1 else 3,
                             args[2] if len(args) > 2 else "sqlite")))
