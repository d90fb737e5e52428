"""The dispatcher's database side, run on its one DB thread: claim, record, renew leases, recover, channels.

Kept apart from the async loop (engine/dispatcher.py) so each half stays small; every method is
one short transaction through services.deliveries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.deliveries import RetryPolicy
from services import deliveries
from services.deliveries.channels import list_channels

log = logging.getLogger("dutydesk.dispatcher")


class DispatchStore:
    """Short transactions for one dispatcher; `seen` remembers the channels' last stamp."""

    def __init__(self, db_engine: Engine, *, worker: str, now: Callable[[], datetime], policy: RetryPolicy,
                 lease_seconds: float = 60.0) -> None:
        self.db_engine, self.worker, self.now, self.policy = db_engine, worker, now, policy
        self.lease_seconds = lease_seconds
        self.seen: tuple | None = None
        self.in_doubt: set[uuid.UUID] = set()  # claims that failed around their COMMIT: rows maybe held, never sent

    def claim(self, limit: int) -> tuple[list, list | None]:
        """Due rows claimed for this worker (plain rows), and the channels when they changed.

        One transaction: the claim, and the channels' stamp (their rows too when it moved) read in it, so a claim
        costs one BEGIN and one COMMIT (on SQLite each write transaction takes the file's lock; a second one per
        claim was a third of the claim's cost). A failed channel read does not lose the claimed rows: they are
        sent with the channels known, and the read is tried again next time. A claim that fails itself may still
        have committed (the connection died during COMMIT): its token is kept, and the next upkeep puts back any
        row still held under it."""
        token = uuid.uuid4()
        fresh = None
        try:
            with Session(self.db_engine, expire_on_commit=False) as s:
                rows = deliveries.claim_rows(session=s, now=self.now(), worker=self.worker, limit=limit, token=token)
                if rows:
                    try:
                        fresh = self._changed_channels(s)
                    except Exception:
                        log.warning("channels not re-read with a claim (database error); sending with those known",
                                    exc_info=True)
                s.commit()
        except Exception:
            self.in_doubt.add(token)
            raise
        if fresh is None:
            return rows, None
        self.seen = fresh[0]  # only once committed: a failed read is tried again next time
        return rows, fresh[1]

    def _changed_channels(self, s: Session) -> tuple[tuple, list] | None:
        """(stamp, every channel row) when any was added, changed or removed since the last look; else None."""
        stamp = deliveries.channels_stamp(session=s)
        if stamp == self.seen:
            return None
        return stamp, list_channels(session=s)

    def read_channels(self) -> list | None:
        """The channels, if they changed since the last look (at start: always)."""
        with Session(self.db_engine, expire_on_commit=False) as s:
            fresh = self._changed_channels(s)
        if fresh is None:
            return None
        self.seen = fresh[0]
        return fresh[1]

    def due_soon(self, within: float) -> bool:
        with Session(self.db_engine) as s:
            return deliveries.any_due(session=s, by=self.now() + timedelta(seconds=max(within, 0)))

    def record(self, batch: list[tuple]) -> None:
        """Write back a batch of (id, token, outcome, at, ms) under each row's claim token."""
        with Session(self.db_engine, expire_on_commit=False) as s:
            deliveries.record_results(session=s, results=batch, policy=self.policy)
            s.commit()

    def renew_and_recover(self, tokens: list[uuid.UUID]) -> None:
        """Put back rows of claims in doubt; keep the leases of rows in flight; rows a dead worker left in
        `sending` become `unknown`."""
        now = self.now()
        if self.in_doubt:
            doubtful = list(self.in_doubt)
            with Session(self.db_engine) as s:
                deliveries.release_unsent(session=s, tokens=doubtful)
                s.commit()
            self.in_doubt.difference_update(doubtful)
        with Session(self.db_engine) as s:
            deliveries.renew_leases(session=s, tokens=tokens, now=now)
            s.commit()
            deliveries.recover_stale(session=s, now=now, lease_seconds=self.lease_seconds)
            s.commit()
