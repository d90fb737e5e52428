"""Incidents over REST: intake (other systems post with an API token), reports, acks, instructions.

A thin shell: each handler passes the caller (`c.by`) to the service, which decides what it may see and change
(services/access.py), so the API and the console cannot disagree."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from core.errors import NotFound
from models.incidents.instructions import InstructionItem
from services.incidents import acks, board, intake, lookups, printing, reports, upward
from services.incidents import instructions as ins
from services.incidents.schemas import (
    AckIn,
    FeedbackIn,
    GradeIn,
    IncidentIn,
    IncidentUpdate,
    InstructionIn,
    PhoneLogIn,
    ReportIn,
)
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["incidents"])


class IncidentOut(BaseModel):
    id: uuid.UUID
    title: str
    category: str
    unit_id: uuid.UUID
    received_at: datetime
    grade: int | None
    suggested_grade: int | None
    suggested_reason: str
    status: str
    acknowledged_at: datetime | None
    acknowledged_by: str
    deaths: int | None = None
    deaths_unverified: bool = False
    seriously_injured: int | None = None
    seriously_injured_unverified: bool = False
    injured: int | None = None
    injured_unverified: bool = False
    missing: int | None = None
    missing_unverified: bool = False


class ReportOut(BaseModel):
    id: uuid.UUID
    kind: str
    number: int
    channel: str
    reported_at: datetime
    sent_upward_at: datetime | None
    late_minutes: int | None
    missing: list[str]
    upward_sends: int = 0
    phoned_upward_at: datetime | None = None
    phoned_upward_by: str = ""
    phoned_upward_to: str = ""


@router.post("/incidents", response_model=IncidentOut, status_code=201)
def create(data: IncidentIn, request: Request, c: Caller = Depends(require("incidents:write")),
           session: Session = Depends(get_session)):
    inc = intake.open_incident(session=session, data=data, by=c.by, now=now_utc(request),
                               settings=request.app.state.settings)
    session.commit()
    return inc


@router.get("/incidents", response_model=list[dict])
def list_board(request: Request, include_closed: bool = False, c: Caller = Depends(require("incidents:read")),
               session: Session = Depends(get_session)):
    now = now_utc(request)
    rows = board.board(session, now, by=c.by, settings=request.app.state.settings, include_closed=include_closed)
    return [{**IncidentOut.model_validate(b.incident, from_attributes=True).model_dump(mode="json"), "unit": b.unit,
             "next_deadline": b.next_deadline.due_at.isoformat() if b.next_deadline else None,
             "overdue": b.overdue, "flags": [f.code.value for f in b.flags],
             "escalation": b.escalation.status if b.escalation else None} for b in rows]


@router.get("/incidents/{incident_id}")
def read(incident_id: uuid.UUID, request: Request, c: Caller = Depends(require("incidents:read")),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    d = board.detail(session, incident_id, now_utc(request), by=c.by, settings=request.app.state.settings)
    return {"incident": d["incident"].model_dump(mode="json"),
            "reports": [ReportOut.model_validate(r, from_attributes=True).model_dump(mode="json") for r in d["reports"]],
            "deadlines": [x.model_dump(mode="json") for x in d["deadlines"]],
            "flags": [{"code": f.code.value, "text": f.text} for f in d["flags"]],
            "upward": {str(rid): {"state": u.state, "channel": u.channel, "error": u.error, "alarm": u.alarm}
                       for rid, u in d["upward"].items()},
            "acknowledgements": [_ack_out(a) for a in d["acks"]],
            "timeline": [{k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in e.items()}
                         for e in d["timeline"]]}


@router.patch("/incidents/{incident_id}", response_model=IncidentOut)
def update(incident_id: uuid.UUID, data: IncidentUpdate, request: Request,
           c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    inc = intake.update_incident(session=session, incident_id=incident_id, data=data, by=c.by,
                                 now=now_utc(request), settings=request.app.state.settings)
    session.commit()
    return inc


@router.post("/incidents/{incident_id}/grade", response_model=IncidentOut)
def grade(incident_id: uuid.UUID, data: GradeIn, request: Request, c: Caller = Depends(require("incidents:grade")),
          session: Session = Depends(get_session)):
    inc = intake.set_grade(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                           settings=request.app.state.settings)
    session.commit()
    return inc


@router.post("/incidents/{incident_id}/reports", response_model=ReportOut, status_code=201)
def add_report(incident_id: uuid.UUID, data: ReportIn, request: Request,
               c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    rep = reports.add_report(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                             settings=request.app.state.settings)
    session.commit()
    return rep


@router.get("/incidents/{incident_id}/reports/{report_id}.docx")
def report_docx(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
                c: Caller = Depends(require("incidents:read")), session: Session = Depends(get_session)):
    inc, rep = lookups.report_of(session, incident_id=incident_id, report_id=report_id, by=c.by)
    return Response(printing.report_docx(inc, rep, request.app.state.settings.tz),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="report-{rep.id.hex[:8]}.docx"'})


@router.post("/incidents/{incident_id}/ack", status_code=201)
def acknowledge(incident_id: uuid.UUID, data: AckIn, request: Request, c: Caller = Depends(require("incidents:ack")),
                session: Session = Depends(get_session)) -> dict:
    """One person's acknowledgement: the caller's own person, or (the office) `person_id` / `name` of someone the
    escalation reaches; twice is the first one again. Anyone else: 403 (a duty officer signs for it: /receipt)."""
    ack = acks.acknowledge(session=session, incident_id=incident_id, by=c.by, person_id=data.person_id, via=data.via,
                           now=now_utc(request), name=data.name, tz=request.app.state.settings.timezone)
    session.commit()
    return _ack_out(ack)


def _ack_out(ack) -> dict:
    return {"kind": ack.kind, "name": ack.name, "person_id": str(ack.person_id) if ack.person_id else None,
            "at": ack.at.isoformat(), "via": ack.via, "seconds_to_ack": ack.seconds_to_ack, "stopped": ack.stopped}


class PhonedIn(BaseModel):
    at: datetime | None = Field(None, description="when it was phoned (default now)")
    caller: str = Field(min_length=1, max_length=120, description="who phoned")
    reached: str = Field(min_length=1, max_length=120, description="whom they reached upward")


@router.post("/incidents/{incident_id}/reports/{report_id}/resend", response_model=ReportOut)
def resend_upward(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
                  c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    """Send a written report upward again (its earlier send failed or is in doubt)."""
    rep = upward.resend(session=session, incident_id=incident_id, report_id=report_id, by=c.by, now=now_utc(request),
                        settings=request.app.state.settings)
    session.commit()
    return rep


@router.post("/incidents/{incident_id}/reports/{report_id}/phoned", response_model=ReportOut)
def phoned_upward(incident_id: uuid.UUID, report_id: uuid.UUID, data: PhonedIn, request: Request,
                  c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    """Record that the report was phoned upward (time, who, to whom): it counts as reported and clears the alarm."""
    rep = upward.record_phoned(session=session, incident_id=incident_id, report_id=report_id, by=c.by,
                               now=now_utc(request), at=data.at, caller=data.caller, reached=data.reached)
    session.commit()
    return rep


@router.post("/incidents/{incident_id}/receipt", status_code=201)
def receipt(incident_id: uuid.UUID, request: Request, c: Caller = Depends(require("incidents:ack")),
            session: Session = Depends(get_session)) -> dict:
    """The duty office's receipt (签收) of the incident: recorded once per person; it never stops a step."""
    row = acks.receive(session=session, incident_id=incident_id, by=c.by, now=now_utc(request))
    session.commit()
    return _ack_out(row)


@router.post("/incidents/{incident_id}/instructions", status_code=201)
def instruct(incident_id: uuid.UUID, data: InstructionIn, request: Request,
             c: Caller = Depends(require("instructions:write")), session: Session = Depends(get_session)) -> dict:
    row = ins.record(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                     settings=request.app.state.settings)
    session.commit()
    items = session.exec(select(InstructionItem).where(InstructionItem.instruction_id == row.id)).all()
    return {"id": str(row.id), "items": [{"id": str(i.id), "unit_id": str(i.unit_id), "due_at": i.due_at.isoformat(),
                                          "status": i.status} for i in items]}


@router.post("/instruction-items/{item_id}/feedback")
def feedback(item_id: uuid.UUID, data: FeedbackIn, request: Request,
             c: Caller = Depends(require("instructions:feedback")), session: Session = Depends(get_session)) -> dict:
    row = ins.feedback(session=session, item_id=item_id, text=data.text, by=c.by, now=now_utc(request))
    session.commit()
    return {"id": str(row.id), "status": row.status}


@router.post("/instruction-items/{item_id}/{decision}")
def decide(item_id: uuid.UUID, decision: str, request: Request, c: Caller = Depends(require("instructions:accept")),
           session: Session = Depends(get_session)) -> dict:
    if decision not in ("accept", "reject"):
        raise NotFound("unknown decision: accept or reject", field="decision")
    row = ins.decide(session=session, item_id=item_id, accept=decision == "accept", by=c.by, now=now_utc(request))
    session.commit()
    return {"id": str(row.id), "status": row.status}


@router.post("/phone-log", status_code=201)
def phone_log(data: PhoneLogIn, request: Request, c: Caller = Depends(require("incidents:write")),
              session: Session = Depends(get_session)) -> dict:
    row = intake.log_call(session=session, data=data, by=c.by, now=now_utc(request))
    session.commit()
    return {"id": str(row.id)}
