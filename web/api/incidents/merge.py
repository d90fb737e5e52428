"""Same event, several reports (同一事件多方报告) over REST: likely duplicates of an incident, and the merge.

A thin shell like web/api/incidents/records.py: services/incidents/merge.py decides who may merge (the duty office) and
refuses what must not be merged, with the field named."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from models.types import INPUT
from services.incidents import duplicates, merge
from services.incidents.lookups import incident_for
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["incidents"])


class DuplicateOut(BaseModel):
    """A likely duplicate: the same category, a place alike, event times close; the officer judges."""

    id: uuid.UUID
    title: str
    unit: str = Field(description="the reporting unit's name")
    unit_id: uuid.UUID
    received_at: datetime
    occurred_at: datetime | None
    place: str
    status: str = Field(description="open | closed")
    score: float = Field(description="0..1, higher is more alike")
    minutes_apart: int = Field(description="between the event times (事发时间, else 接报)")
    link: str = Field(description="the incident's console page")


def duplicates_out(found: list[duplicates.Suggestion]) -> list[dict]:
    return [{"id": s.incident.id, "title": s.incident.title, "unit": s.unit, "unit_id": s.incident.unit_id,
             "received_at": s.incident.received_at, "occurred_at": s.incident.occurred_at,
             "place": s.incident.place, "status": s.incident.status, "score": s.match.score,
             "minutes_apart": s.match.minutes_apart, "link": f"/incidents/{s.incident.id}"} for s in found]


class MergeIn(BaseModel):
    model_config = INPUT
    into: uuid.UUID | None = Field(None, description="the incident to keep; this one becomes its source")


class MergeOut(BaseModel):
    id: uuid.UUID = Field(description="the merged incident")
    merged_into_id: uuid.UUID = Field(description="the incident kept")
    merged_at: datetime
    merged_by: str
    warnings: list[str] = Field(description="e.g. the categories differ (zh-CN, English in brackets)")


@router.get("/incidents/{incident_id}/duplicates", response_model=list[DuplicateOut])
def list_duplicates(incident_id: uuid.UUID, request: Request, c: Caller = Depends(require("incidents:read")),
                    session: Session = Depends(get_session)) -> list[dict]:
    """Likely duplicates of a logged incident, among the incidents the caller may see."""
    inc = incident_for(session, incident_id, c.by)
    return duplicates_out(duplicates.of_incident(session, inc, now_utc(request), by=c.by,
                                                 settings=request.app.state.settings))


@router.post("/incidents/{incident_id}/merge", response_model=MergeOut)
def merge_into(incident_id: uuid.UUID, data: MergeIn, request: Request,
               c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)) -> dict:
    """Merge this incident into `into` (the duty office): it becomes a source of the kept one, its escalation
    stops and its open deadlines close as merged. Refused: into itself, into a merged incident (merge into the one
    it went to), an incident already merged, or by a unit reporter."""
    m = merge.merge(session=session, incident_id=incident_id, into_id=data.into, by=c.by, now=now_utc(request))
    session.commit()
    return {"id": m.incident.id, "merged_into_id": m.into.id, "merged_at": m.incident.merged_at,
            "merged_by": m.incident.merged_by, "warnings": m.warnings}
