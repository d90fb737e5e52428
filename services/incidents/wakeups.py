"""Engine wake-ups after a commit that created due work (timers are only wake-ups; the rows are the truth)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session

from core.db import notify_at_commit

# Called with a due time after a commit that created due work (the engine's escalator registers one).
WAKE_HOOKS: list[Callable[[datetime], None]] = []
_WAKES = "incidents_wake_at"
WAKE_PREFIX = "incidents:"  # + the due time (ISO 8601): the NOTIFY for engines in other processes (core.db)


def wake_after_commit(session: Session, due: datetime) -> None:
    """Nudge the engine at `due` once this transaction commits (engines in other processes too, on PostgreSQL)."""
    notify_at_commit(session, f"{WAKE_PREFIX}{due.isoformat()}")
    if not WAKE_HOOKS:
        return
    pending = session.info.setdefault(_WAKES, set())
    pending.add(due)
    if len(pending) == 1:  # one listener per transaction, however many due times it creates
        event.listen(session, "after_commit", _fire, once=True)
        event.listen(session, "after_rollback", _forget, once=True)


def _fire(session: Session) -> None:
    for due in sorted(session.info.pop(_WAKES, ())):
        for hook in list(WAKE_HOOKS):
            hook(due)


def _forget(session: Session) -> None:
    session.info.pop(_WAKES, None)
