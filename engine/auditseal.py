"""Engine part: seal new audit entries into the hash chain every second.

Writers only insert audit rows; this part chains them (services.audit.seal).
Several engines may run it: on PostgreSQL an advisory lock lets one seal at a
time, on SQLite the write lock does. The housekeeping flow seals too, so a
stopped engine only delays sealing.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from services import audit

log = logging.getLogger("dutydesk.engine.auditseal")


def seal_once(db_engine) -> int:
    """Seal what is pending in one short transaction; errors are logged, never raised."""
    try:
        with Session(db_engine) as session:
            n = audit.seal(session=session)
            session.commit()
        return n
    except OperationalError as exc:
        log.warning("audit sealing postponed: %s", exc.orig)
        return 0


def start(clock, settings, db_engine) -> None:
    clock.every(1.0, lambda: seal_once(db_engine), "audit:seal")
