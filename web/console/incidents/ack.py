"""The leader's acknowledgement page: a signed link, no login; looking changes nothing, the button acknowledges.
Opened in someone else's console session, the link is refused (403, audited with the real account)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import ServiceError
from rules.incidents import Category, Grade
from services import audit
from services.incidents import acks, printing
from services.incidents.lookups import get_incident
from web.console.render import language, render
from web.deps import Caller, get_session, now_utc, optional_caller

router = APIRouter()


def _summary(session: Session, incident_id: uuid.UUID) -> dict:
    inc = get_incident(session, incident_id)
    return {"incident": inc, "category": Category(inc.category).label,
            "grade": Grade(inc.grade) if inc.grade else None,
            "casualties": printing.casualty_text({k: getattr(inc, k) if not getattr(inc, f"{k}_unverified")
                                                  else "待核实"
                                                  for k in ("deaths", "seriously_injured", "injured", "missing")})}


def _refused(request: Request, c: Caller, exc: ServiceError, incident):
    """The 403 page in the account's language, and an access_refused entry naming the account and the incident
    (never the token: the path is written without it). Written in a transaction of its own, as web/app.py does,
    so a refused look (a GET, on a read session) is recorded too."""
    now = now_utc(request)
    with request.app.state.session_factory() as writer:  # commits on leaving
        audit.record(session=writer, actor=exc.refused_by, action="access_refused", entity="incident",
                     entity_id=incident.id, unit_id=incident.unit_id, note=exc.reason[:500], at=now,
                     after={"method": request.method, "path": "/ack/…", "status": exc.status})
    return render(request, "error.html", c, status_code=exc.status, status=exc.status, message=exc.reason)


def _open(request: Request, session: Session, token: str, c: Caller | None):
    """The link's row, or the page that answers instead: already acknowledged, invalid / used / expired, or
    refused to someone else's session."""
    settings = request.app.state.settings
    done = acks.acknowledged_by_link(session, token, settings=settings)
    if done is not None:  # given already (this link, the console or the inbox): no second button
        return None, render(request, "ack.html", None, done=done, **_summary(session, done.incident_id))
    try:
        row = acks.check_link(session, token, now_utc(request), settings=settings)
    except ServiceError as exc:
        return None, render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    try:
        acks.refuse_other(session, row, c.by if c else None)
    except ServiceError as exc:  # someone else's console session: it does not acknowledge for the link's person
        return None, _refused(request, c, exc, get_incident(session, row.incident_id))
    return row, None


@router.get("/ack/{token}")
def ack_page(token: str, request: Request, session: Session = Depends(get_session),
             c: Caller | None = Depends(optional_caller)):
    """Show the incident and a confirm button; looking (or a chat app's link preview) changes nothing."""
    row, answer = _open(request, session, token, c)
    if answer is not None:
        return answer
    return render(request, "ack.html", None, token=token, **_summary(session, row.incident_id))


@router.post("/ack/{token}")
def ack_confirm(token: str, request: Request, session: Session = Depends(get_session),
                c: Caller | None = Depends(optional_caller)):
    row, answer = _open(request, session, token, c)
    if answer is not None:
        return answer
    try:
        ack = acks.use_link(session, token=token, now=now_utc(request), settings=request.app.state.settings,
                            by=c.by if c else None)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render(request, "ack.html", None, status_code=exc.status, problem=exc.reason)
    return render(request, "ack.html", None, done=ack, **_summary(session, ack.incident_id))
