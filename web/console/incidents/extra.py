"""The leader's acknowledgement page (signed link, no login), printable reports, dashboard panels."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from sqlmodel import Session

from core.errors import ServiceError
from models.incidents.records import Report
from rules.incidents import Category, Grade
from services.incidents import acks, board, printing
from services.incidents.common import get_incident
from web.console import dashboard
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc, unit_scope

router = APIRouter()


def _summary(session: Session, incident_id: uuid.UUID) -> dict:
    inc = get_incident(session, incident_id)
    return {"incident": inc, "category": Category(inc.category).label,
            "grade": Grade(inc.grade) if inc.grade else None,
            "casualties": printing.casualty_text({k: getattr(inc, k) if not getattr(inc, f"{k}_unverified")
                                                  else "待核实" for k in ("deaths", "injured", "missing")})}


@router.get("/ack/{token}")
def ack_page(token: str, request: Request, session: Session = Depends(get_session)):
    """Show the incident and a confirm button; looking (or a chat app's link preview) changes nothing."""
    try:
        row = acks.check_link(session, token, now_utc(request))
    except ServiceError as exc:
        return render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    return render(request, "ack.html", None, token=token, **_summary(session, row.incident_id))


@router.post("/ack/{token}")
def ack_confirm(token: str, request: Request, session: Session = Depends(get_session)):
    try:
        ack = acks.use_link(session, token=token, now=now_utc(request))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    return render(request, "ack.html", None, done=ack, **_summary(session, ack.incident_id))


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
    return render(request, "report_print.html", c, heading=printing.heading(inc, rep),
                  lines=printing.lines(inc, rep), reported=printing._t(rep.reported_at), incident=inc)


@router.get("/incidents/{incident_id}/reports/{report_id}/docx")
def docx(incident_id: uuid.UUID, report_id: uuid.UUID, c: Caller = Depends(page("incidents:read")),
         session: Session = Depends(get_session)):
    inc, rep = _report(session, c, incident_id, report_id)
    return Response(printing.report_docx(inc, rep),
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="report-{rep.id.hex[:8]}.docx"'})


@dashboard.panel("incidents")
def open_incidents(session: Session, now, c: Caller, settings) -> list:
    """Open incidents by urgency, with the countdown to each one's next deadline."""
    out = []
    for b in board.board(session, now, unit_id=unit_scope(c))[:8]:
        due = (Markup(' <span class="countdown" data-due="{}"></span>').format(b.next_deadline.due_at.isoformat())
               if b.next_deadline else "")
        ack = "已确认" if b.incident.acknowledged_at else "未确认"
        out.append(Markup('<a href="/incidents/{}">{}</a> · {} · {}').format(
            b.incident.id, b.incident.title, b.grade.roman + "级" if b.grade else "待定级", ack) + due)
    return out


@dashboard.panel("tasks")
def pending_tasks(session: Session, now, c: Caller, settings) -> list:
    """Instruction items waiting for feedback or acceptance, and overdue report deadlines."""
    from services.incidents import deadlines

    out = []
    for d in deadlines.overdue(session, now)[:5]:
        out.append(Markup('<a href="/incidents/{}">报送超时：{}</a>').format(d.incident_id, escape(d.text)))
    for item, ins in board.open_items(session, unit_scope(c))[:8]:
        state = "待反馈" if item.status == "forwarded" else "待办结"
        out.append(Markup('<a href="/incidents/{}">{}：{}批示</a> <span class="countdown" data-due="{}"></span>').format(
            ins.incident_id, state, ins.by_name, item.due_at.isoformat()))
    return out
