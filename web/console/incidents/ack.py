"""The leader's acknowledgement page: a signed link, no login; looking changes nothing, the button acknowledges."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import ServiceError
from rules.incidents import Category, Grade
from services.incidents import acks, printing
from services.incidents.lookups import get_incident
from web.console.render import render
from web.deps import get_session, now_utc

router = APIRouter()


def _summary(session: Session, incident_id: uuid.UUID) -> dict:
    inc = get_incident(session, incident_id)
    return {"incident": inc, "category": Category(inc.category).label,
            "grade": Grade(inc.grade) if inc.grade else None,
            "casualties": printing.casualty_text({k: getattr(inc, k) if not getattr(inc, f"{k}_unverified")
                                                  else "待核实"
                                                  for k in ("deaths", "seriously_injured", "injured", "missing")})}


@router.get("/ack/{token}")
def ack_page(token: str, request: Request, session: Session = Depends(get_session)):
    """Show the incident and a confirm button; looking (or a chat app's link preview) changes nothing."""
    settings = request.app.state.settings
    done = acks.acknowledged_by_link(session, token, settings=settings)
    if done is not None:  # given already (this link, the console or the inbox): no second button
        return render(request, "ack.html", None, done=done, **_summary(session, done.incident_id))
    try:
        row = acks.check_link(session, token, now_utc(request), settings=settings)
    except ServiceError as exc:
        return render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    return render(request, "ack.html", None, token=token, **_summary(session, row.incident_id))


@router.post("/ack/{token}")
def ack_confirm(token: str, request: Request, session: Session = Depends(get_session)):
    done = acks.acknowledged_by_link(session, token, settings=request.app.state.settings)
    if done is not None:
        return render(request, "ack.html", None, done=done, **_summary(session, done.incident_id))
    try:
        ack = acks.use_link(session, token=token, now=now_utc(request), settings=request.app.state.settings)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    return render(request, "ack.html", None, done=ack, **_summary(session, ack.incident_id))
