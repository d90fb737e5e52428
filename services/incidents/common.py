"""Shared bits of the incident services: lookups, settings, the Gone error, engine wake-ups."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session

from core.errors import Invalid, NotFound, ServiceError
from models.incidents.records import Incident

# Called with a due time after a commit that created due work (the engine registers one).
WAKE_HOOKS: list[Callable[[datetime], None]] = []
CLOCK_SKEW = timedelta(minutes=2)  # tolerated when refusing times "in the future"


class Gone(ServiceError):
    """A link that was used or has expired."""

    status = 410


def app_settings():
    """The service-wide settings (time zone, secret key, public URL)."""
    from core.settings import get_settings

    return get_settings()


def tz() -> ZoneInfo:
    return app_settings().tz


def get_incident(session: Session, incident_id: uuid.UUID, *, for_update: bool = False) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=for_update or None)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found", field="incident_id")
    return incident


def require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise Invalid("时间缺少时区 (time zone missing)", field=name)


def wake_after_commit(session: Session, due: datetime) -> None:
    """Nudge the engine at `due` once this transaction commits (timers are only wake-ups)."""
    if not WAKE_HOOKS:
        return
    pending = session.info.setdefault(_WAKES, set())
    pending.add(due)
    if len(pending) == 1:  # one listener per transaction, however many due times it creates
        event.listen(session, "after_commit", _fire, once=True)
        event.listen(session, "after_rollback", _forget, once=True)


_WAKES = "incidents_wake_at"


def _fire(session: Session) -> None:
    for due in sorted(session.info.pop(_WAKES, ())):
        for hook in list(WAKE_HOOKS):
            hook(due)


def _forget(session: Session) -> None:
    session.info.pop(_WAKES, None)
