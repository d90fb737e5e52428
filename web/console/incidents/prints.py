"""Printable documents: an incident report as a print page and as a .docx; the day's duty brief as a .docx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from core import gongwen
from services.incidents import brief, lookups, printing
from web.console.incidents.pages import refusals
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc
from web.downloads import download_headers

router = APIRouter()


def _report(session: Session, c: Caller, incident_id: uuid.UUID, report_id: uuid.UUID):
    with refusals():  # another unit's report: 404, as for one that does not exist
        return lookups.report_of(session, incident_id=incident_id, report_id=report_id, by=c.by)


@router.get("/incidents/{incident_id}/reports/{report_id}/print")
def print_page(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
               c: Caller = Depends(page("incidents:read")), session: Session = Depends(get_session)):
    inc, rep = _report(session, c, incident_id, report_id)
    s = request.app.state.settings
    return render(request, "report_print.html", c, heading=printing.heading(inc, rep),
                  lines=printing.lines(inc, rep, s.tz), reported=printing.local_time(rep.reported_at, s.tz),
                  incident=inc, addressee=s.incidents.upward_name, office=s.incidents.office,
                  dated=gongwen.chinese_date(rep.reported_at.astimezone(s.tz).date()))


@router.get("/incidents/{incident_id}/reports/{report_id}/docx")
def docx(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:read")),
         session: Session = Depends(get_session)):
    inc, rep = _report(session, c, incident_id, report_id)
    return Response(printing.report_docx(inc, rep, request.app.state.settings),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers=download_headers(printing.file_name(inc, rep), f"report-{rep.id.hex[:8]}.docx"))


@router.get("/duty-brief/docx")
def duty_brief(request: Request, c: Caller = Depends(page("incidents:read")), session: Session = Depends(get_session)):
    """Today's duty brief (值班日报) as a .docx; the service refuses a unit reporter (it tells every unit)."""
    name, data = brief.brief_download(session=session, now=now_utc(request), settings=request.app.state.settings,
                                      by=c.by)
    day = now_utc(request).astimezone(request.app.state.settings.tz).date()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers=download_headers(f"值班日报-{day.isoformat()}.docx", name))
