"""Printable reports: an incident report as a print page and as a .docx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from services.incidents import lookups, printing
from web.console.incidents.pages import refusals
from web.console.render import page, render
from web.deps import Caller, get_session

router = APIRouter()


def _report(session: Session, c: Caller, incident_id: uuid.UUID, report_id: uuid.UUID):
    with refusals():  # another unit's report: 404, as for one that does not exist
        return lookups.report_of(session, incident_id=incident_id, report_id=report_id, by=c.by)


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
