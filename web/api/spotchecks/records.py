"""Roll-calls, inspections (attachments), circulars, explanations, reminder notices, exports and statistics."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.errors import NotFound
from models.spotchecks.inspections import (
    Circular,
    ExplanationRequest,
    Inspection,
    InspectionAttachment,
    InspectionCreate,
    ReminderNotice,
    ReminderNoticeCreate,
    VideoRollCall,
    VideoRollCallCreate,
)
from models.types import INPUT, Day
from services.spotchecks import circulars, exports, records, report, stats
from web.deps import Caller, get_session, now_utc, require
from web.downloads import download_headers

router = APIRouter(prefix="/spotchecks", tags=["spot checks"])
stats_router = APIRouter(prefix="/statistics", tags=["statistics"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post("/video-roll-calls", response_model=VideoRollCall, status_code=201)
def create_roll_call(body: VideoRollCallCreate, request: Request, c: Caller = Depends(require("spotchecks:write")),
                     session: Session = Depends(get_session)):
    row = records.record_roll_call(session=session, data=body, actor=c.actor, now=now_utc(request),
                                   settings=request.app.state.settings)
    session.commit()
    return row


@router.post("/inspections", response_model=Inspection, status_code=201)
def create_inspection(body: InspectionCreate, request: Request, c: Caller = Depends(require("spotchecks:write")),
                      session: Session = Depends(get_session)):
    row = records.record_inspection(session=session, data=body, actor=c.actor, now=now_utc(request),
                                    settings=request.app.state.settings)
    session.commit()
    return row


@router.post("/inspections/{inspection_id}/attachments", response_model=InspectionAttachment, status_code=201)
async def upload_attachment(inspection_id: uuid.UUID, request: Request, file: UploadFile = File(...),
                            c: Caller = Depends(require("spotchecks:write")), session: Session = Depends(get_session)):
    now, settings = now_utc(request), request.app.state.settings
    limit = settings.spotchecks.attachment_max_bytes
    content = await file.read(limit + 1)  # never hold more than the limit plus one byte
    row = records.add_attachment(session=session, inspection_id=inspection_id, filename=file.filename or "",
                                 content=content, actor=c.actor, now=now, settings=settings)
    session.commit()
    return row


class CircularRequest(BaseModel):
    model_config = INPUT

    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)


@router.post("/circulars", response_model=Circular, status_code=201)
def issue_circular(body: CircularRequest, request: Request, c: Caller = Depends(require("spotchecks:write")),
                   session: Session = Depends(get_session)):
    row = circulars.issue(session=session, year=body.year, month=body.month, actor=c.actor, now=now_utc(request),
                          settings=request.app.state.settings)
    session.commit()
    return row


@router.get("/circulars/{circular_id}.docx", response_class=FileResponse, responses={200: {
    "description": "the circular as a Word document", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def circular_docx(circular_id: uuid.UUID, request: Request, c: Caller = Depends(require("spotchecks:read")),
                  session: Session = Depends(get_session)):
    row = session.get(Circular, circular_id)
    if row is None:
        raise NotFound("未找到该通报 (circular not found)", field="circular_id")
    content = circulars.docx_bytes(session=session, circ=row, settings=request.app.state.settings)
    plain = Path(row.doc_path).name or f"circular-{row.year}-{row.month:02d}.docx"
    return Response(content, media_type=DOCX,
                    headers=download_headers(f"值班抽查通报-{row.year}年{row.month}月.docx", plain))


@router.get("/explanations", response_model=list[ExplanationRequest])
def list_explanations(c: Caller = Depends(require("explanations:read")), session: Session = Depends(get_session)):
    return circulars.explanations_for(session=session, by=c.by)


class AnswerRequest(BaseModel):
    model_config = INPUT

    answer: str = Field(min_length=1, max_length=4000)


@router.post("/explanations/{request_id}/answer", response_model=ExplanationRequest)
def answer_explanation(request_id: uuid.UUID, body: AnswerRequest, request: Request,
                       c: Caller = Depends(require("explanations:answer")), session: Session = Depends(get_session)):
    row = circulars.answer_explanation(session=session, request_id=request_id, text=body.answer, by=c.by,
                                       now=now_utc(request))
    session.commit()
    return row


@router.post("/notices", response_model=ReminderNotice, status_code=201)
def issue_notice(body: ReminderNoticeCreate, request: Request, c: Caller = Depends(require("spotchecks:write")),
                 session: Session = Depends(get_session)):
    row = records.issue_notice(session=session, data=body, actor=c.actor, now=now_utc(request),
                               settings=request.app.state.settings)
    session.commit()
    return row


@router.get("/export", response_class=Response, responses={200: {"description": "the records as .csv or .xlsx", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}})
def export(request: Request, format: str = Query("csv"), since: Day | None = None, until: Day | None = None,
           unit_id: uuid.UUID | None = None, kind: str = "", outcome: str = "", unmask: bool = False,
           c: Caller = Depends(require("spotchecks:export")), session: Session = Depends(get_session)):
    """Records by period, unit, kind and outcome; phone numbers masked unless `unmask` (which is audited)."""
    f = exports.ExportFilter(since=since, until=until, unit_id=unit_id, kind=kind, outcome=outcome)
    return export_file(request, session, f, format, unmask, c.actor)


def export_file(request: Request, session: Session, f: exports.ExportFilter, format: str, unmask: bool,
                actor: str) -> Response:
    """The export as a download, its audit entry written first (the API and the console's form share it)."""
    now, tz = now_utc(request), request.app.state.settings.tz
    body, count = exports.build(session=session, f=f, fmt=format, unmask=unmask, tz=tz)
    session.commit()  # ends the read transaction: the audit entry is written in a write transaction of its own
    with request.app.state.session_factory() as writer:  # commits on leaving; the file goes out only then
        exports.record_export(session=writer, f=f, fmt=format, count=count, unmask=unmask, actor=actor, now=now)
    media = "text/csv; charset=utf-8" if format == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    period = "至".join(d.isoformat() for d in (f.since, f.until) if d) if f.since or f.until else ""
    return Response(body, media_type=media, headers=download_headers(
        f"抽查记录{'-' + period if period else ''}.{format}", f"spotchecks.{format}"))


class MonthFigures(BaseModel):
    month: int
    phone: int = Field(description="phone spot checks")
    passed: int
    video: int = Field(description="video roll calls")
    on_site: int = Field(description="on-site inspections")
    incidents: int = Field(description="incidents received (网络舆情 not included)")
    public_opinion: int = Field(0, description="网络舆情 received")
    pass_rate: float | None
    pass_rate_text: str
    median_answer_s: float | None
    mean_rings: float | None


class YearlyOut(BaseModel):
    figures: dict[str, int] = Field(description="the year's figures (请假报备, 接报突发事件, 电话抽查, …) and the year")
    paragraph: str = Field(description="the duty paragraph of the yearly report")
    missing_sources: list[str]
    months: list[MonthFigures]
    outcomes: dict[str, int] = Field(default_factory=dict, description="phone checks per outcome, most frequent first")


@stats_router.get("/yearly", response_model=YearlyOut)
def yearly(year: int = Query(ge=2000, le=2100), request: Request = None,
           c: Caller = Depends(require("statistics:read")), session: Session = Depends(get_session)):
    tz = request.app.state.settings.tz
    r = report.yearly_report(session=session, year=year, settings=request.app.state.settings)
    return {"figures": r.figures.__dict__, "paragraph": r.paragraph, "missing_sources": r.missing_sources,
            "months": [{k: v for k, v in m.items() if k not in ("answer_s", "rings")}
                       for m in stats.months(session, year, tz)],
            "outcomes": stats.outcome_counts(session, year, tz)}


@stats_router.get("/yearly.docx", response_class=FileResponse, responses={200: {
    "description": "the yearly report as a Word document", "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def yearly_docx(year: int = Query(ge=2000, le=2100), request: Request = None,
                c: Caller = Depends(require("statistics:read")), session: Session = Depends(get_session)):
    out = Path(request.app.state.settings.data_dir) / "reports" / f"yearly-{year}.docx"
    report.yearly_report(session=session, year=year, settings=request.app.state.settings, out=out,
                         now=now_utc(request))
    return Response(out.read_bytes(), media_type=DOCX, headers=download_headers(f"{year}年值班工作统计.docx", out.name))
