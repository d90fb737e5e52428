"""Finding the incident an operation works on, and the time checks every incident input shares."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from core.errors import Invalid, NotFound
from models.incidents.records import Incident

CLOCK_SKEW = timedelta(minutes=2)  # tolerated when refusing times "in the future"


def get_incident(session: Session, incident_id: uuid.UUID, *, for_update: bool = False) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=for_update or None)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found", field="incident_id")
    return incident


def require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise Invalid("时间缺少时区 (time zone missing)", field=name)
