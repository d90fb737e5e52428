"""Printable reports: an incident report as a print page and as a .docx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from models.incidents.records import Report
from services.incidents import printing
from services.incidents.lookups import get_incident
from web.console.render import page, render
from web.deps import Caller, get_session, unit_scope

router = APIRouter()


def _report(session: Session, c: Caller, incident_id: uuid.UUID, report_id: uuid.UUID):
    inc = get_incident(session, incident_id)
    rep = session.get(Report, report_id)
    scope = unit_scope(c)
    if rep is None or rep.incident_id != inc.id or (scope is not None and inc.unit_id != scope):
        raise HTTPException(404, "report not found")
    return inc, rep


@router.get("/incidents/{incident_id}/reports/{report_id}/print")
def print_page(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
               c: Caller = Depends(page("incidents:read")), session: Session = Depends(get_session)):
    inc, rep = _report(session, c, incident_id, report_id)
    tz = request.app.state.settings.tz
    return render(request, "report_print.html", c, heading=printing.heading(inc, rep),
                  lines=printing.lines(inc, rep, tz), reported=printing.local_time(rep.reported_at, tz), incident=inc)


@router.get("/incidents/{incident_id}/reports/{report_id}/docx")
def docx(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:read")),
         session: Session = Depends(get_session)):
    inc, rep = _report(session, c, incident_id, report_id)
    return Response(printing.report_docx(inc, rep, request.app.state.settings.tz),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="report-{rep.id.hex[:8]}.docx"'})
