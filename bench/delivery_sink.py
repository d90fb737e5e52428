"""A loopback webhook sink for bench_delivery, run in its own process under uvicorn.

POST anything: optional `latency` seconds of delay (a provider's API), counted by webhook-id
with the arrival time. GET /stats: {"received", "unique", "duplicates"}; GET /times: {id: t};
POST /reset clears it. POST /refuse?seconds=N: the next message is answered 429 with Retry-After: N (a
provider's throttle); GET /hits: {"hits": [every message's arrival, refused ones too], "refused": [...]}. Run: python -m bench.delivery_sink PORT LATENCY; or `start(latency)` from a bench.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

COUNTS: Counter[str] = Counter()
TIMES: dict[str, float] = {}
LATENCY = 0.0
HITS: list[float] = []
REFUSED: list[float] = []
REFUSE_NEXT: list[str] = []  # Retry-After values to answer the next messages with


async def _body(receive) -> bytes:
    chunks, more = [], True
    while more:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        more = msg.get("more_body", False)
    return b"".join(chunks)


async def _answer(send, status: int, payload: bytes = b"", ctype: bytes = b"application/json") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def app(scope, receive, send) -> None:
    """The sink: count, remember arrival time, wait `LATENCY`, answer 204."""
    if scope["type"] != "http":
        return
    await _body(receive)
    if scope["method"] == "GET" and scope["path"] == "/stats":
        dupes = sum(n - 1 for n in COUNTS.values() if n > 1)
        body = json.dumps({"received": sum(COUNTS.values()), "unique": len(COUNTS), "duplicates": dupes})
        return await _answer(send, 200, body.encode())
    if scope["method"] == "GET" and scope["path"] == "/times":
        return await _answer(send, 200, json.dumps(TIMES).encode())
    if scope["method"] == "GET" and scope["path"] == "/hits":
        return await _answer(send, 200, json.dumps({"hits": HITS, "refused": REFUSED}).encode())
    if scope["path"] == "/reset":
        COUNTS.clear()
        TIMES.clear()
        HITS.clear()
        REFUSED.clear()
        return await _answer(send, 204)
    if scope["path"] == "/refuse":
        REFUSE_NEXT.append(scope["query_string"].decode().partition("seconds=")[2] or "1")
        return await _answer(send, 204)
    now = time.time()
    HITS.append(now)
    if REFUSE_NEXT:
        REFUSED.append(now)
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"retry-after", REFUSE_NEXT.pop(0).encode()), (b"content-length", b"9")]})
        return await send({"type": "http.response.body", "body": b"slow down"})
    headers = dict(scope["headers"])
    msg_id = headers.get(b"webhook-id", b"").decode() or f"anon-{len(COUNTS)}-{now}"
    COUNTS[msg_id] += 1
    TIMES.setdefault(msg_id, now)
    if LATENCY:
        await asyncio.sleep(LATENCY)
    await _answer(send, 204)


def start(latency: float) -> tuple[subprocess.Popen, str]:
    """Run the sink in its own process; (process, base URL) once it answers."""
    from tests.peers import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.delivery_sink", str(port), str(latency)],
                            cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            get(url, "/stats")
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("sink did not start")


def get(url: str, path: str) -> dict:
    """GET /stats or /times from a running sink."""
    with urllib.request.urlopen(url + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/reset", method="POST"), timeout=10).read()


if __name__ == "__main__":
    import uvicorn

    LATENCY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, lifespan="off")
