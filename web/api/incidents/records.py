"""Incidents over REST: intake (other systems post with an API token), reports, acks, instructions (escalation
policies: web/api/incidents/policies.py).

A thin shell: each handler passes the caller (`c.by`) to the service, which decides what it may see and change
(services/access.py), so the API and the console cannot disagree."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, computed_field
from sqlmodel import Session, select

from core.errors import NotFound
from models.incidents.instructions import InstructionItem
from models.incidents.records import Deadline, Incident
from models.types import INPUT, Moment
from services.incidents import ack_view, acks, board, brief, convert, duplicates, intake, lookups, printing, reports, upward
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
from web.api.incidents.merge import DuplicateOut, duplicates_out
from web.deps import Caller, get_session, now_utc, require
from web.downloads import download_headers

router = APIRouter(tags=["incidents"])


class AckOut(BaseModel):
    kind: str = Field(description="ack (确认收到) | receipt (签收)")
    name: str
    person_id: str | None
    at: str
    via: str
    seconds_to_ack: int = Field(description="from 接报")
    stopped: bool = Field(description="this acknowledgement stopped the escalation")


class IncidentOut(BaseModel):
    id: uuid.UUID
    title: str
    category: str
    unit_id: uuid.UUID
    received_at: datetime
    grade: int | None
    suggested_grade: int | None
    suggested_reason: str
    suggested_basis: dict = Field(default_factory=dict, description=(
        "the reason as data: code by_hand | reached (criteria: name, value, minimum) | below; unverified"))
    status: str
    acknowledged_at: datetime | None
    acknowledged_by: str = Field(description="whose acknowledgement completed it (the last one needed)")
    acknowledgements: list[AckOut] = Field(default_factory=list, description=(
        "everyone who acknowledged (确认收到; a duty officer's 签收 is not one), oldest first: name, time, via"))
    deaths: int | None = None
    deaths_unverified: bool = False
    seriously_injured: int | None = None
    seriously_injured_unverified: bool = False
    injured: int | None = None
    injured_unverified: bool = False
    missing: int | None = None
    missing_unverified: bool = False
    merged_into_id: uuid.UUID | None = Field(None, description="merged (同一事件): the incident kept")


class ReportElementsOut(BaseModel):
    """What the report itself said, as the officer entered it (the rest of the form is the incident's)."""

    situation: str | None = Field(None, description="事件情况")
    handling: str | None = Field(None, description="处置情况")
    cause: str | None = Field(None, description="初步原因")
    aftermath: str | None = Field(None, description="善后情况")
    casualties: dict[str, int | str | None] = Field(
        default_factory=dict, description="the figures as this report gave them: a count, '待核实' or null")


class ReportOut(BaseModel):
    id: uuid.UUID
    kind: str
    number: int
    channel: str
    content: str = Field("", description="报告内容")
    elements: ReportElementsOut = Field(default_factory=ReportElementsOut)
    reported_at: datetime
    sent_upward_at: datetime | None
    late_minutes: int | None
    missing: list[str]
    upward_sends: int = 0
    phoned_upward_at: datetime | None = None
    phoned_upward_by: str = ""
    phoned_upward_to: str = ""

    @computed_field(description="首报 / 续报一 / 终报, as the written report is headed")
    @property
    def title(self) -> str:
        return convert.report_title(self)


class BoardRowOut(IncidentOut):
    """One incident on the board, most urgent first."""

    unit: str = Field(description="the reporting unit's name")
    next_deadline: str | None = Field(description="the nearest open deadline (ISO)")
    overdue: int = Field(description="deadlines passed and not met")
    flags: list[str] = Field(description="review flag codes (迟报, 漏报, …)")
    escalation: str | None = Field(description="active | stopped | exhausted")


class FlagOut(BaseModel):
    code: str
    text: str


class UpwardOut(BaseModel):
    state: str = Field(description="queued | sending | sent | delivered | failed | unknown | phoned | none")
    channel: str
    error: str
    alarm: bool


class SourceOut(BaseModel):
    """Another report of the same event, merged into this incident: who reported it and when."""

    id: uuid.UUID
    title: str
    unit_id: uuid.UUID
    reporter: str
    source: str
    received_at: datetime
    merged_at: datetime | None
    merged_by: str


class IncidentDetail(BaseModel):
    incident: Incident
    reports: list[ReportOut]
    deadlines: list[Deadline]
    flags: list[FlagOut]
    upward: dict[str, UpwardOut] = Field(description="report id -> its upward delivery")
    acknowledgements: list[AckOut] = Field(description="everyone who acknowledged (确认收到) and signed for it (签收)")
    timeline: list[dict[str, str]]
    sources: list[SourceOut] = Field(default_factory=list, description="incidents merged into this one (另一来源)")
    possible_duplicates: list[DuplicateOut] = Field(default_factory=list)


class ItemOut(BaseModel):
    id: str
    unit_id: str
    due_at: str
    status: str


class InstructionOut(BaseModel):
    id: str
    items: list[ItemOut]


class ItemState(BaseModel):
    id: str
    status: str


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_200 = {200: {"description": "the document as a Word file (.docx)", "content": {
    DOCX: {
        "schema": {"type": "string", "format": "binary"}}}}}


class Created(BaseModel):
    id: str


class IntakeOut(IncidentOut):
    possible_duplicates: list[DuplicateOut] = Field(default_factory=list, description=(
        "likely the same event, already logged (same category, place alike, event times close): a warning; the "
        "incident is created all the same, and may be merged (POST /incidents/{id}/merge)"))


def incidents_out(session: Session, incidents: list[Incident]) -> list[dict]:
    """Incidents as the API answers them, each with everyone who acknowledged (one query for them all)."""
    given = ack_view.given(session, [i.id for i in incidents])
    return [{**IncidentOut.model_validate(i, from_attributes=True).model_dump(mode="json"),
             "acknowledgements": [_ack_out(a) for a in given[i.id]]} for i in incidents]


@router.post("/incidents", response_model=IntakeOut, status_code=201)
def create(data: IncidentIn, request: Request, c: Caller = Depends(require("incidents:write")),
           session: Session = Depends(get_session)) -> Response:
    now, settings = now_utc(request), request.app.state.settings
    inc = intake.open_incident(session=session, data=data, by=c.by, now=now, settings=settings)
    found = duplicates_out(duplicates.of_incident(session, inc, now, by=c.by, settings=settings))
    session.commit()
    # IntakeOut encoded once, here: a dict returned would be validated and encoded again by FastAPI, in one more
    # worker-thread hop. A new incident: nobody has acknowledged it yet (no query for that)
    out = IntakeOut.model_validate(inc, from_attributes=True)
    out.possible_duplicates = [DuplicateOut.model_validate(d) for d in found]
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.get("/incidents", response_model=list[BoardRowOut])
def list_board(request: Request, include_closed: bool = False, c: Caller = Depends(require("incidents:read")),
               session: Session = Depends(get_session)):
    now = now_utc(request)
    rows = board.board(session, now, by=c.by, settings=request.app.state.settings, include_closed=include_closed)
    shown = incidents_out(session, [b.incident for b in rows])
    return [{**out, "unit": b.unit,
             "next_deadline": b.next_deadline.due_at.isoformat() if b.next_deadline else None,
             "overdue": b.overdue, "flags": [f.code.value for f in b.flags],
             "escalation": b.escalation.status if b.escalation else None} for out, b in zip(shown, rows)]


@router.get("/duty-brief.docx", response_class=Response, responses=DOCX_200)
def duty_brief_docx(request: Request, c: Caller = Depends(require("incidents:read")),
                    session: Session = Depends(get_session)):
    """Today's duty brief (值班日报) as a Word document in the 公文 form; for those who see every unit."""
    name, data = brief.brief_download(session=session, now=now_utc(request), settings=request.app.state.settings,
                                      by=c.by)
    day = now_utc(request).astimezone(request.app.state.settings.tz).date()
    return Response(data, media_type=DOCX, headers=download_headers(f"值班日报-{day.isoformat()}.docx", name))


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
def read(incident_id: uuid.UUID, request: Request, c: Caller = Depends(require("incidents:read")),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    d = board.detail(session, incident_id, now_utc(request), by=c.by, settings=request.app.state.settings)
    return {"incident": d["incident"],
            "reports": [ReportOut.model_validate(r, from_attributes=True).model_dump(mode="json") for r in d["reports"]],
            "deadlines": d["deadlines"],
            "flags": [{"code": f.code.value, "text": f.text} for f in d["flags"]],
            "upward": {str(rid): {"state": u.state, "channel": u.channel, "error": u.error, "alarm": u.alarm}
                       for rid, u in d["upward"].items()},
            "acknowledgements": [_ack_out(a) for a in d["acks"]],
            "timeline": [{k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in e.items()
                          if k != "values"}  # the console words `values`; the API keeps the text
                         for e in d["timeline"]],
            "sources": [SourceOut.model_validate(x, from_attributes=True).model_dump(mode="json") for x in d["sources"]],
            "possible_duplicates": duplicates_out(d["duplicates"])}


@router.patch("/incidents/{incident_id}", response_model=IncidentOut)
def update(incident_id: uuid.UUID, data: IncidentUpdate, request: Request,
           c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    inc = intake.update_incident(session=session, incident_id=incident_id, data=data, by=c.by,
                                 now=now_utc(request), settings=request.app.state.settings)
    session.commit()
    return incidents_out(session, [inc])[0]


@router.post("/incidents/{incident_id}/grade", response_model=IncidentOut)
def grade(incident_id: uuid.UUID, data: GradeIn, request: Request, c: Caller = Depends(require("incidents:grade")),
          session: Session = Depends(get_session)):
    inc = intake.set_grade(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                           settings=request.app.state.settings)
    session.commit()
    return incidents_out(session, [inc])[0]


@router.post("/incidents/{incident_id}/reports", response_model=ReportOut, status_code=201)
def add_report(incident_id: uuid.UUID, data: ReportIn, request: Request,
               c: Caller = Depends(require("incidents:write")), session: Session = Depends(get_session)):
    rep = reports.add_report(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                             settings=request.app.state.settings)
    session.commit()
    return rep


@router.get("/incidents/{incident_id}/reports/{report_id}.docx", response_class=Response, responses=DOCX_200)
def report_docx(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
                c: Caller = Depends(require("incidents:read")), session: Session = Depends(get_session)):
    inc, rep = lookups.report_of(session, incident_id=incident_id, report_id=report_id, by=c.by)
    return Response(printing.report_docx(inc, rep, request.app.state.settings),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers=download_headers(printing.file_name(inc, rep), f"report-{rep.id.hex[:8]}.docx"))


@router.post("/incidents/{incident_id}/ack", status_code=201, response_model=AckOut)
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
    model_config = INPUT

    at: Moment | None = Field(None, description="when it was phoned (default now)")
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


@router.post("/incidents/{incident_id}/receipt", status_code=201, response_model=AckOut)
def receipt(incident_id: uuid.UUID, request: Request, c: Caller = Depends(require("incidents:ack")),
            session: Session = Depends(get_session)) -> dict:
    """The duty office's receipt (签收) of the incident: recorded once per person; it never stops a step."""
    row = acks.receive(session=session, incident_id=incident_id, by=c.by, now=now_utc(request))
    session.commit()
    return _ack_out(row)


@router.post("/incidents/{incident_id}/instructions", status_code=201, response_model=InstructionOut)
def instruct(incident_id: uuid.UUID, data: InstructionIn, request: Request,
             c: Caller = Depends(require("instructions:write")), session: Session = Depends(get_session)) -> dict:
    row = ins.record(session=session, incident_id=incident_id, data=data, by=c.by, now=now_utc(request),
                     settings=request.app.state.settings)
    session.commit()
    items = session.exec(select(InstructionItem).where(InstructionItem.instruction_id == row.id)).all()
    return {"id": str(row.id), "items": [{"id": str(i.id), "unit_id": str(i.unit_id), "due_at": i.due_at.isoformat(),
                                          "status": i.status} for i in items]}


@router.post("/instruction-items/{item_id}/feedback", response_model=ItemState)
def feedback(item_id: uuid.UUID, data: FeedbackIn, request: Request,
             c: Caller = Depends(require("instructions:feedback")), session: Session = Depends(get_session)) -> dict:
    row = ins.feedback(session=session, item_id=item_id, text=data.text, by=c.by, now=now_utc(request),
                       settings=request.app.state.settings)
    session.commit()
    return {"id": str(row.id), "status": row.status}


@router.post("/instruction-items/{item_id}/{decision}", response_model=ItemState)
def decide(item_id: uuid.UUID, decision: str, request: Request, c: Caller = Depends(require("instructions:accept")),
           session: Session = Depends(get_session)) -> dict:
    if decision not in ("accept", "reject"):
        raise NotFound("决定须为 accept（接受）或 reject（拒绝） (unknown decision)", field="decision")
    row = ins.decide(session=session, item_id=item_id, accept=decision == "accept", by=c.by, now=now_utc(request))
    session.commit()
    return {"id": str(row.id), "status": row.status}


@router.post("/phone-log", status_code=201, response_model=Created)
def phone_log(data: PhoneLogIn, request: Request, c: Caller = Depends(require("incidents:write")),
              session: Session = Depends(get_session)) -> dict:
    row = intake.log_call(session=session, data=data, by=c.by, now=now_utc(request))
    session.commit()
    return {"id": str(row.id)}
