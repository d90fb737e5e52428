"""A webhook receiver that fails 30% of requests (503) and hangs 10% (dropped, never accepted).

It counts accepted messages by webhook-id, as a Standard Webhooks receiver dedupes:
any id accepted twice is a duplicate delivery.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class FlakySink:
    def __init__(self, *, fail: float = 0.3, hang: float = 0.1, hang_seconds: float = 1.0, seed: int = 42) -> None:
        self.fail, self.hang, self.hang_seconds = fail, hang, hang_seconds
        self.rng = random.Random(seed)
        self.accepted: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def receive(self, request: Request) -> Response:
        await request.body()
        msg_id = request.headers.get("webhook-id", "")
        with self._lock:
            self.requests[msg_id] += 1
            roll = self.rng.random()
        if roll < self.hang:
            self.answers["hang"] += 1
            await asyncio.sleep(self.hang_seconds)  # the client gives up first; nothing is accepted
            return Response("late", status_code=503)
        if roll < self.hang + self.fail:
            self.answers["503"] += 1
            return Response("down", status_code=503)
        with self._lock:
            self.accepted[msg_id] += 1
        self.answers["204"] += 1
        return Response(status_code=204)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.receive, methods=["POST"])])
