"""Shared helpers for delivery tests: a fixed clock and an enqueue shortcut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services import deliveries

KEY = "test-secret-key-for-channels"
NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def queue(session, n: int = 1, *, channel: str = "inbox", ladder=None, source_id: str = "inc-1", now=NOW, **kw):
    """Enqueue `n` messages to n distinct addresses; returns the rows."""
    rows = []
    for i in range(n):
        rows.append(deliveries.enqueue(session=session, source="test", source_id=source_id, step="1",
                                       address=kw.pop("address", None) or f"addr-{i}", channel=None if ladder else channel,
                                       ladder=ladder, subject="s", text=f"message {i}", now=now, **kw))
    session.flush()
    return rows
