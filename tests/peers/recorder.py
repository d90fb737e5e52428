"""What every provider peer shares: a record of what arrived and a switch for how to answer.

A test sets `peer.mode` to make the peer answer like the provider does when it
succeeds, is rate limited, fails (5xx), or is slow; signature and credential
checks are always on, so a wrong secret fails exactly as it would for real.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["ok", "error", "rate_limited", "server_error", "slow"]


@dataclass
class Received:
    """One request the peer accepted (signature valid), as the provider would see it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None


@dataclass
class Recorder:
    """Thread-safe record of accepted requests plus the answer mode the test chose."""

    mode: Mode = "ok"
    error_code: int = 0
    error_msg: str = ""
    slow_seconds: float = 2.0
    received: list[Received] = field(default_factory=list)
    hits: int = 0  # every request, accepted or not
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_with(self, code: int, msg: str) -> None:
        """Answer the next requests with HTTP 200 carrying this provider error code."""
        self.mode, self.error_code, self.error_msg = "error", code, msg

    def hit(self) -> None:
        """Count a request that reached the peer, valid or not."""
        with self._lock:
            self.hits += 1

    def record(self, item: Received) -> None:
        """Keep an accepted request."""
        with self._lock:
            self.received.append(item)

    @property
    def last(self) -> Received:
        """The most recent accepted request."""
        return self.received[-1]

    async def maybe_slow(self) -> None:
        """In 'slow' mode, answer only after `slow_seconds` (longer than the client waits)."""
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
