"""Live fan-out: one change reaching 500 open console pages (goal p99 ≤ 1 s).

`dutydesk serve` on a demo SQLite database; N pages listen on /events (one raw keep-alive connection each,
logged in as the duty officer, as a duty room's screens and leaders' phones would be). A real change is made
through the console (an incident logged with the intake form), and the bench measures from the form's answer:
- event: until each page's stream says "incidents" changed;
- page: until each page has also fetched its board again (what live.js does next), i.e. until it shows the
  change.
It also prints the server's RSS before and with the N streams open.
"""

from __future__ import annotations

import asyncio
import os
import sys
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import incident_rig as rig


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _listen(port: int, cookie: str, ready: asyncio.Event, counter: list[int], n: int):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /events?topics=incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                 f"Accept: text/event-stream\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    await reader.readuntil(b"event: ready")
    counter[0] += 1
    if counter[0] == n:
        ready.set()
    return reader, writer


async def _wait_change(reader) -> float:
    await reader.readuntil(b"data: incidents")
    return time.perf_counter()


async def _fetch_board(port: int, cookie: str) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nX-Live: 1\r\n"
                 f"Connection: close\r\n\r\n".encode())
    await reader.read()  # until the server closes
    writer.close()
    return time.perf_counter()


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(quick: bool = False, pages: int = 500) -> dict:
    import httpx

    pages = 100 if quick else pages
    home = Path(tempfile.mkdtemp(prefix="bench-live-"))
    url = f"sqlite:///{home / 'demo.db'}"
    port = rig.free_port()
    env = rig.env_for(url, home, port)
    import subprocess
    import sys
    for args in (("db", "upgrade"), ("demo", "seed")):
        subprocess.run([sys.executable, "-m", "dutydesk.cli", *args], env=env, check=True, capture_output=True)
    proc = rig.start_serve(env, home)
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        assert http.post("/login", data={"username": "duty", "password": "dutydesk-duty"}).status_code in (200, 303)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        form = http.get("/incidents/new").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        unit = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>石桥镇', form).group(1)
        rss_before = _rss_mb(proc.pid)

        async def scenario():
            ready, counter = asyncio.Event(), [0]
            conns = await asyncio.gather(*(_listen(port, cookie, ready, counter, pages) for _ in range(pages)))
            await asyncio.wait_for(ready.wait(), 60)
            print("listening", file=sys.stderr)
            await asyncio.sleep(1.0)  # the poller's mark is set
            rss_open = _rss_mb(proc.pid)
            waits = [asyncio.create_task(_wait_change(r)) for r, _ in conns]
            now = datetime.now().strftime("%Y-%m-%dT%H:%M")
            started = time.perf_counter()
            r = await asyncio.to_thread(http.post, "/incidents/new", data={
                "csrf_token": csrf, "title": "扇出测试", "category": "accident", "type": "道路交通事故",
                "unit_id": unit, "received_at": now, "occurred_at": now, "place": "县道X101线", "deaths": "0"},
                follow_redirects=False)
            assert r.status_code == 303, r.text[:300]
            committed = time.perf_counter()
            print("posted", file=sys.stderr)
            events = await asyncio.wait_for(asyncio.gather(*waits), 30)
            print("events", file=sys.stderr)
            shown = await asyncio.gather(*(_fetch_board(port, cookie) for _ in range(pages)))
            for _, w in conns:
                w.close()
            return committed - started, [t - committed for t in events], [t - committed for t in shown], rss_open

        post_s, events, shown, rss_open = asyncio.run(scenario())
        load = os.getloadavg()[0]
        return {
            "pages listening": pages,
            "machine": f"{os.cpu_count()} cores, load {load:.1f}",
            "the change's POST (s)": f"{post_s:.3f}",
            "event at every page, p50 / p99 / max (s)": (f"{_pct(events, 50):.3f} / {_pct(events, 99):.3f} / "
                                                          f"{max(events):.3f}  (goal p99 ≤ 1 s)"),
            "page refetched and showing it, p50 / p99 (s)": f"{_pct(shown, 50):.3f} / {_pct(shown, 99):.3f}",
            "server RSS before / with the streams open (MB)": f"{rss_before:.0f} / {rss_open:.0f}",
        }
    finally:
        rig.stop(proc)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
