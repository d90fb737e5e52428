"""A lean HTTP/1.1 load generator: keep-alive connections written and read with plain asyncio streams.

httpx's async client spends ~2 ms of CPU per request, and on a 2-core machine the load generator shares the cores
with the server it measures: with httpx as the caller a closed loop of 32 measured the client as much as the
server. Here a request is a few bytes written and a status line, headers and a body read back (~0.1 ms).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable

IDLE_S = 4.0  # uvicorn closes a keep-alive connection idle for 5 s


class Caller:
    """One keep-alive connection posting JSON to one path."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]):
        self.host, self.port, self.path = host, port, path
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers,
                                                          "Content-Type": "application/json"}.items())
        self.reader = self.writer = None
        self.idle_since = 0.0

    async def post(self, body: dict) -> tuple[int, bytes]:
        """Send one POST and read the whole answer; (status, body)."""
        if self.writer is not None and time.monotonic() - self.idle_since > IDLE_S:
            await self.close()  # the server has dropped it by now, as any HTTP client would assume
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body, ensure_ascii=False).encode()
        self.writer.write(f"POST {self.path} HTTP/1.1\r\n{self.head}Content-Length: {len(data)}\r\n\r\n".encode()
                          + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status, length = int(lines[0].split(" ", 2)[1]), 0
        for line in lines[1:]:
            if line[:15].lower() == "content-length:":
                length = int(line[15:])
        answer = await self.reader.readexactly(length)
        self.idle_since = time.monotonic()
        return status, answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.reader = self.writer = None


async def run_clients(callers: list[Caller], body: Callable[[int], dict], per_client: int, *, expect: int,
                      think_s: float = 0.0, seed: int = 5) -> list[float]:
    """Each caller posts `per_client` times, waiting for each answer, then thinking for an exponentially
    distributed time of mean `think_s` (0: posts again at once, a closed loop). Seconds per POST, as the caller
    saw it. Any answer other than `expect` is an error: a benchmark of failing requests measures nothing."""
    out: list[float] = []
    rng = random.Random(seed)

    async def one(i: int, c: Caller) -> None:
        if think_s:
            await asyncio.sleep(rng.expovariate(1 / think_s))  # callers do not start in step
        for k in range(per_client):
            t = time.perf_counter()
            status, answer = await c.post(body(i * 100_000 + k))
            out.append(time.perf_counter() - t)
            if status != expect:
                raise RuntimeError(f"POST {c.path} answered {status}: {answer[:500]!r}")
            if think_s:
                await asyncio.sleep(rng.expovariate(1 / think_s))

    try:
        await asyncio.gather(*(one(i, c) for i, c in enumerate(callers)))
    finally:
        for c in callers:
            await c.close()
    return out


async def burst(callers: list[Caller], body: Callable[[int], dict], *, expect: int) -> list[float]:
    """Every caller posts once, all at the same instant (connections already open): a storm's worth of towns
    reporting in the same second. Seconds per POST."""
    for c in callers:  # open the connections first: the burst measures the POSTs, not TCP handshakes
        c.reader, c.writer = await asyncio.open_connection(c.host, c.port)
    return await run_clients(callers, body, 1, expect=expect)
