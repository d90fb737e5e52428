"""Anchors of the audit chain, kept outside the database: every so often, the chain's length and head hash.

The sealer appends one JSON line per anchor to an append-only file in the data folder (and, when configured,
POSTs it to a URL on another system). Someone who can rewrite the database can delete the newest entries or
re-hash the whole chain; they cannot make it agree with anchors they cannot reach. `verify` compares the chain
with every anchor written under the current key.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import httpx

log = logging.getLogger("dutydesk.audit")


@dataclass(frozen=True)
class Anchor:
    pos: int  # the chain's last position when the anchor was written
    hash: str  # that entry's hash
    at: str  # when (ISO 8601, UTC)
    key: str  # the id of the key the chain was sealed with


class AnchorLog:
    """Append-only anchor lines in `path`; optionally POSTed to `url`. At most one every `every` seconds."""

    def __init__(self, path: Path, url: str = "", every: float = 10.0) -> None:
        self.path, self.url, self.every = Path(path), url, every
        self._last: datetime | None = None
        self._pos: int | None = None  # the last anchored position (read from the file once)
        self._lock = threading.Lock()

    def anchored(self) -> int:
        """The chain position of the last anchor written (0 when none)."""
        if self._pos is None:
            marks = self.read()
            self._pos = marks[-1].pos if marks else 0
        return self._pos

    def due(self, now: datetime) -> bool:
        return self._last is None or (now - self._last).total_seconds() >= self.every

    def append(self, anchor: Anchor, now: datetime, *, force: bool = False) -> bool:
        """Write the anchor (fsynced) unless one was written less than `every` seconds ago; True when written."""
        with self._lock:
            if not force and not self.due(now):
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps(asdict(anchor), ensure_ascii=False, separators=(",", ":")) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            self._last = now
            self._pos = anchor.pos
        if self.url:
            try:
                httpx.post(self.url, json=asdict(anchor), timeout=2.0).raise_for_status()
            except httpx.HTTPError as exc:  # the file has it; the copy elsewhere is best effort, and said so
                log.warning("audit anchor not delivered to %s: %s", self.url, exc)
        return True

    def read(self) -> list[Anchor]:
        """Every anchor in the file, oldest first; unreadable lines are skipped and logged."""
        if not self.path.exists():
            return []
        out = []
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                out.append(Anchor(**json.loads(line)))
            except (ValueError, TypeError) as exc:
                log.error("audit anchor file %s line %d unreadable: %s", self.path, n, exc)
        return out
