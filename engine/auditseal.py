"""Engine part: seal new audit entries into the hash chain every second.

Writers only insert audit rows; this part chains them with the deployment's key and anchors the head
(services/audit/chain.py).
Several engines may run it: on PostgreSQL an advisory lock lets one seal at a
time, on SQLite the write lock does. The housekeeping flow seals too, so a
stopped engine only delays sealing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from services.audit.checks import Keeper

log = logging.getLogger("dutydesk.engine.auditseal")


def seal_once(db_engine, keeper: Keeper) -> int:
    """Seal what is pending in one short transaction; errors are logged, never raised."""
    try:
        with Session(db_engine) as session:
            n = keeper.seal(session=session, now=datetime.now(UTC))
            session.commit()
        return n
    except OperationalError as exc:
        log.warning("audit sealing postponed: %s", exc.orig)
        return 0


def start(clock, settings, db_engine) -> None:
    keeper = Keeper.of(settings)
    clock.every(1.0, lambda: seal_once(db_engine, keeper), "audit:seal")
