"""Live fan-out: one change reaching 500 open console pages (goal: the page showing it, p99 ≤ 1 s).

`dutydesk serve` on a demo SQLite database; N pages listen on /events (one raw keep-alive connection each,
logged in as the duty officer, as a duty room's screens and leaders' phones would be). A real change is made
through the console (an incident logged with the intake form), and each page does what web/static/live.js does:
its stream names the page (`page=/incidents`), and a "regions" event carries the new board itself (shown: checked
to hold the new incident); on a "change" event instead (an older server, or `--mode refetch`, which opens the
streams without `page=`: the design before the regions were pushed) it waits live.js's delay, then fetches its
board again with `X-Live: <the event's id>`.
Measured per page, from the form's answer:
- event: until the page's stream says "incidents" changed (with the regions, when pushed);
- refetch: from that event until the page has its new board (live.js's delay included; 0 when pushed);
- total: event + refetch, what the duty officer sees.
Also the server's RSS before and with the N streams open, and the server's CPU for the whole fan-out.

`--ab REF` runs the same rounds, interleaved (this tree, then REF, then this tree ...), against a server built from
REF's tree (`git worktree` in a temporary directory; the same venv), each on its own fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import incident_rig as rig

ROOT = Path(__file__).resolve().parent.parent


def _live_js_delay(tree: Path) -> tuple[float, float]:
    """live.js's wait before a refetch, (fixed, random spread) in seconds, read from the tree's live.js."""
    js = (tree / "web/static/live.js").read_text()
    m = re.search(r"const DELAY = (\d+), SPREAD = (\d+);", js)
    return (int(m.group(1)) / 1000, int(m.group(2)) / 1000) if m else (0.25, 0.0)


def _proc_stat(pid: int, field: str) -> float:
    if field == "rss":
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, seconds


async def _listen(port: int, cookie: str, push: bool):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    page = "&page=/incidents" if push else ""
    writer.write(f"GET /events?topics=incidents{page} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                 f"Accept: text/event-stream\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"/events answered {head[:200]!r}")
    await asyncio.wait_for(reader.readuntil(b"event: ready"), 60)
    return reader, writer


async def _change(reader) -> tuple[float, str, str, str]:
    """When the page's stream announced incidents: (at, event, its id (the version), its data)."""
    event: dict[str, str] = {}
    while True:
        line = (await reader.readline()).decode().rstrip("\r\n")
        if line:
            key, _, value = line.partition(":")
            event[key] = value.strip()
            continue
        if event.get("event") == "change" and "incidents" in event.get("data", "").split():
            return time.perf_counter(), "change", event.get("id", ""), ""
        if event.get("event") == "regions":
            return time.perf_counter(), "regions", event.get("id", ""), event.get("data", "")
        event = {}


async def _page(port: int, cookie: str, reader, delay: tuple[float, float], rng, title: str
                ) -> tuple[float, float, int]:
    """One open page: its event, then (unless the event carried the regions) live.js's refetch; (event at, shown at,
    bytes of the regions received, pushed)."""
    while True:
        at, kind, version, data = await _change(reader)
        if kind != "regions":
            break
        if title in json.loads(data)["regions"].get("board", ""):
            return at, at, len(data.encode()), True
        # another change's board (a demo deadline passing, the poller's first mark): the page shows it and waits on
    await asyncio.sleep(delay[0] + rng.random() * delay[1])
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET /incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nX-Live: {version or '1'}\r\n"
            f"Connection: close\r\n\r\n".encode())
    body = await r.read()  # until the server closes
    w.close()
    if title.encode() not in body:  # the new incident is shown
        raise RuntimeError(f"the refetched board lacks the new incident: {body[:300]!r}")
    return at, time.perf_counter(), len(body), False


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Server:
    """`dutydesk serve` of one tree on a fresh demo database, logged in as the duty officer."""

    def __init__(self, tree: Path):
        import httpx

        self.tree = tree
        self.home = Path(tempfile.mkdtemp(prefix="bench-live-"))
        self.port = rig.free_port()
        self.env = {**rig.env_for(f"sqlite:///{self.home / 'demo.db'}", self.home, self.port),
                    "PYTHONPATH": str(tree)}
        for args in (("db", "upgrade"), ("demo", "seed")):
            subprocess.run([sys.executable, "-m", "dutydesk.cli", *args], env=self.env, check=True,
                           capture_output=True, cwd=tree)
        self.proc = self._start()
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)
        assert self.http.post("/login", data={"username": "duty", "password": "dutydesk-duty"}).status_code in (
            200, 303)
        self.cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        form = self.http.get("/incidents/new").text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        self.unit = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>石桥镇', form).group(1)
        self.delay = _live_js_delay(tree)

    def _start(self) -> subprocess.Popen:
        """`dutydesk serve`, ready when /readyz answers (like incident_rig.start_serve, but waiting up to 5 minutes:
        a loaded shared machine takes over a minute to start two servers)."""
        import httpx

        log = open(self.home / "serve.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "dutydesk.cli", "serve", "--port", str(self.port)],
                                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.home)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        rig.stop(proc)
        raise RuntimeError(f"dutydesk serve not ready: {(self.home / 'serve.log').read_text()[-2000:]}")

    def round(self, pages: int, seed: int, push: bool = True) -> dict:
        import random

        rng, title = random.Random(seed), f"扇出测试{seed}"
        rss_before = _proc_stat(self.proc.pid, "rss")

        async def scenario():
            conns = await asyncio.gather(*(_listen(self.port, self.cookie, push) for _ in range(pages)))
            await asyncio.sleep(1.0)  # the poller's mark is set
            rss_open, cpu0 = _proc_stat(self.proc.pid, "rss"), _proc_stat(self.proc.pid, "cpu")
            tasks = [asyncio.create_task(_page(self.port, self.cookie, r, self.delay, rng, title)) for r, _ in conns]
            now = datetime.now().strftime("%Y-%m-%dT%H:%M")
            started = time.perf_counter()
            r = await asyncio.to_thread(self.http.post, "/incidents/new", data={
                "csrf_token": self.csrf, "title": title, "category": "accident", "type": "道路交通事故",
                "unit_id": self.unit, "received_at": now, "occurred_at": now, "place": "县道X101线", "deaths": "0"},
                follow_redirects=False)
            assert r.status_code == 303, r.text[:300]
            committed = time.perf_counter()
            done = await asyncio.wait_for(asyncio.gather(*tasks), 120)
            cpu = _proc_stat(self.proc.pid, "cpu") - cpu0
            for _, w in conns:
                w.close()
            return committed, committed - started, done, rss_open, cpu

        committed, post_s, done, rss_open, cpu = asyncio.run(scenario())
        return {"committed": committed, "post": post_s, "done": done, "rss": (rss_before, rss_open), "cpu": cpu,
                "bytes": sum(b for _, _, b, _ in done) / len(done), "pushed": sum(p for *_, p in done)}

    def stop(self) -> None:
        rig.stop(self.proc)


def run(quick: bool = False, pages: int = 500, ab: str = "", rounds: int = 1, mode: str = "push") -> dict:
    pages = 100 if quick else pages
    push = mode != "refetch"
    trees = [("this tree", ROOT, push)]
    if mode == "both":  # the old design on this tree too, on its own server, interleaved with the rest
        trees = [("this tree, pushed", ROOT, True), ("this tree, refetched", ROOT, False)]
    worktree = None
    if ab:
        worktree = Path(tempfile.mkdtemp(prefix="bench-live-ab-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), ab], check=True,
                       capture_output=True)
        trees.append((ab, worktree, push))
    servers = []
    try:
        servers = [(name, Server(tree), p) for name, tree, p in trees]
        results: dict[str, list[dict]] = {name: [] for name, *_ in servers}
        loads = []
        for i in range(rounds):
            for name, server, p in servers:  # interleaved: each tree's rounds see the same load, on average
                loads.append(os.getloadavg()[0])
                results[name].append(server.round(pages, seed=i, push=p))
        figures = {"pages listening": pages,
                   "machine": f"{os.cpu_count()} cores, load average {min(loads):.1f}–{max(loads):.1f} "
                              f"(1 min, at each round's start)",
                   "rounds": f"{rounds} per tree, interleaved" if len(servers) > 1 else str(rounds),
                   "mode": {"push": "push (the streams name their page)", "both": "push and refetch, interleaved",
                            "refetch": "refetch (the streams do not name their page)"}[mode]}
        for name, server, _ in servers:
            rs = results[name]
            event = [e - r["committed"] for r in rs for e, *_ in r["done"]]
            refetch = [s - e for r in rs for e, s, *_ in r["done"]]
            total = [s - r["committed"] for r in rs for _, s, *_ in r["done"]]
            tag = f" [{name}]" if len(servers) > 1 else ""
            figures[f"event at each page, p50 / p99 (s){tag}"] = f"{_pct(event, 50):.3f} / {_pct(event, 99):.3f}"
            figures[f"refetch after the event (live.js delay {server.delay[0]:.2f}+≤{server.delay[1]:.2f} s "
                    f"included), p50 / p99 (s){tag}"] = f"{_pct(refetch, 50):.3f} / {_pct(refetch, 99):.3f}"
            figures[f"total: the page showing the change, p50 / p99 (s){tag}"] = (
                f"{_pct(total, 50):.3f} / {_pct(total, 99):.3f}  (goal p99 ≤ 1 s)")
            figures[f"server CPU for the fan-out, per round (s){tag}"] = " / ".join(f"{r['cpu']:.2f}" for r in rs)
            figures[f"pages given their regions in the event (the rest refetched){tag}"] = " / ".join(
                f"{r['pushed']}" for r in rs)
            figures[f"bytes a page received (event data or refetch){tag}"] = f"{sum(r['bytes'] for r in rs) / len(rs):.0f}"
            figures[f"the change's POST (s){tag}"] = " / ".join(f"{r['post']:.3f}" for r in rs)
            figures[f"server RSS before / with the streams open (MB){tag}"] = (
                f"{rs[0]['rss'][0]:.0f} / {max(r['rss'][1] for r in rs):.0f}")
        return figures
    finally:
        for _, server, _ in servers:
            server.stop()
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                           capture_output=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--ab", default="", help="a git ref to compare with, interleaved (e.g. main)")
    parser.add_argument("--mode", choices=("push", "refetch", "both"), default="push",
                        help="push: the streams name their page and get its regions (an older server refetches); "
                             "refetch: every page refetches (the streams do not name their page); both: each on "
                             "its own server of this tree, interleaved")
    args = parser.parse_args()
    for key, value in run(pages=args.pages, ab=args.ab, rounds=args.rounds, mode=args.mode).items():
        print(f"{key}: {value}")
