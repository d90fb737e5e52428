"""Engine part: LISTEN for the wake-ups other processes send with their commits (PostgreSQL only).

A web-only instance's new deliveries and escalation steps reach this engine at once instead of at its next
poll: core.db.notify_at_commit sends `NOTIFY dutydesk_wake` with the transaction, and this thread calls the same in-process
hooks a commit in this process would (the dispatcher's wake, the escalator's wake-up at the due time). One
dedicated psycopg connection in autocommit, outside the pool; on a lost connection it reconnects every 2 s,
and the polls and sweeps cover what was missed meanwhile (the rows are the truth).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import psycopg
from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from sqlalchemy.engine import Engine

from core.db import WAKE_CHANNEL
from services import deliveries
from services.deliveries.outbox import WAKE_PAYLOAD
from services.incidents import wakeups

log = logging.getLogger("dutydesk.engine.listener")


class Listener:
    """A thread that turns notifications on `WAKE_CHANNEL` into the in-process wake-up hooks."""

    def __init__(self, db_engine: Engine, *, delivery_hooks: list | None = None,
                 incident_hooks: list | None = None) -> None:
        # The hooks a commit in this process calls (the lists themselves: parts register and leave meanwhile).
        self.delivery_hooks = deliveries.WAKE_HOOKS if delivery_hooks is None else delivery_hooks
        self.incident_hooks = wakeups.WAKE_HOOKS if incident_hooks is None else incident_hooks
        self.conninfo = db_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.ready = threading.Event()  # set once listening
        self.received = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wake-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {WAKE_CHANNEL}")
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.received += 1
                            self.dispatch(note.payload)
            except Exception:  # the database went away: the polls carry on meanwhile
                self.ready.clear()
                log.warning("wake-up listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(2.0)

    def dispatch(self, payload: str) -> None:
        """Call the hooks a commit of this payload's work in this process would have called."""
        try:
            if payload == WAKE_PAYLOAD:
                for hook in list(self.delivery_hooks):
                    hook()
            elif payload.startswith(wakeups.WAKE_PREFIX):
                due = datetime.fromisoformat(payload.removeprefix(wakeups.WAKE_PREFIX))
                for hook in list(self.incident_hooks):
                    hook(due)
        except Exception:  # a wake-up is only an optimisation
            log.exception("wake-up %r failed", payload)


def start(clock, settings, db_engine: Engine) -> Listener | None:
    """Engine part: listen on PostgreSQL (after the dispatcher and the escalator registered their hooks)."""
    if db_engine.dialect.name != "postgresql":
        return None
    listener = Listener(db_engine)
    listener.start()
    clock.scheduler.add_listener(lambda _event: listener.stop(), EVENT_SCHEDULER_SHUTDOWN)
    return listener
