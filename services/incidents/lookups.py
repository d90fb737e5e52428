"""Finding the incident an operation works on, as its caller may see and change it (services/access.py), and
the time checks every incident input shares."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from core.errors import Forbidden, Invalid, NotFound
from models.incidents.records import Incident, Report
from rules.incidents.types import YEARS
from services.access import Actor

CLOCK_SKEW = timedelta(minutes=2)  # tolerated when refusing times "in the future"


def get_incident(session: Session, incident_id: uuid.UUID, *, for_update: bool = False) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=for_update or None)
    if incident is None:
        raise NotFound("该事件不存在，或不在您可查看的范围内", field="incident_id")
    return incident


def require_aware(name: str, value: datetime | None) -> None:
    """A time the caller gives: with its zone, and within the service's era (year 1 or 9999 is a slip or a probe,
    and would overflow when converted to UTC)."""
    if value is None:
        return
    if value.tzinfo is None:
        raise Invalid("时间缺少时区", field=name)
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise Invalid(f"时间超出合理范围（{YEARS[0]}—{YEARS[1]}年）", field=name)


def incident_for(session: Session, incident_id: uuid.UUID, by: Actor, *, for_update: bool = False) -> Incident:
    """The incident as `by` may see it: another unit's incident answers 404 to a unit reporter, as if it did not
    exist (the same answer as for an unknown id)."""
    incident = get_incident(session, incident_id, for_update=for_update)
    by.check_unit(incident.unit_id, field="incident_id", reason="该事件不存在，或不在您可查看的范围内")
    return incident


def incident_to_change(session: Session, incident_id: uuid.UUID, by: Actor, *, for_update: bool = False
                       ) -> Incident:
    """The incident `by` is about to change: the duty office's to change, or its own unit reporter's."""
    incident = incident_for(session, incident_id, by, for_update=for_update)
    if not by.acts_for_unit(incident.unit_id):
        raise Forbidden("只有值班室或本单位填报员可以报送、修改该事件 (the office or the unit's reporter only)",
                        field="incident_id")
    return incident


def report_of(session: Session, *, incident_id: uuid.UUID, report_id: uuid.UUID, by: Actor
              ) -> tuple[Incident, Report]:
    """An incident's report as `by` may see it (the print page and the .docx)."""
    incident = incident_for(session, incident_id, by)
    report = session.get(Report, report_id)
    if report is None or report.incident_id != incident.id:
        raise NotFound("该报告不存在", field="report_id")
    return incident, report
