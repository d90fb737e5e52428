"""The leader's acknowledgement page: a signed link, no login; looking changes nothing, the button acknowledges.
Opened in someone else's console session, the link is refused (403, audited with the real account)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import ServiceError
from services import audit
from services.incidents import ack_view, acks
from services.incidents.lookups import get_incident
from web.console.render import language, render
from web.deps import Caller, get_session, now_utc, optional_caller

router = APIRouter()


def _summary(session: Session, incident_id: uuid.UUID) -> dict:
    """What the page shows of the incident (title, category, grade, received, place, casualties): no more."""
    return {"incident": get_incident(session, incident_id)}


def _page(request: Request, c: Caller | None, **ctx):
    """The page in the console's language: the language switch (its cookie), the account's choice, then the
    configured default (DUTYDESK_WEB__DEFAULT_LANGUAGE); not the phone's Accept-Language, so the leader reads
    the words the duty office's console uses."""
    return render(request, "ack.html", None, lang=language(request, c), **ctx)


def _refused(request: Request, c: Caller, exc: ServiceError, incident):
    """The 403 page in the account's language, and an access_refused entry naming the account and the incident
    (never the token: the path is written without it). Written in a transaction of its own, as web/app.py does,
    so a refused look (a GET, on a read session) is recorded too."""
    now = now_utc(request)
    with request.app.state.session_factory() as writer:  # commits on leaving
        audit.record(session=writer, actor=exc.refused_by, action="access_refused", entity="incident",
                     entity_id=incident.id, unit_id=incident.unit_id, note=exc.reason[:500], at=now,
                     after={"method": request.method, "path": "/ack/…", "status": exc.status})
    return render(request, "error.html", c, status_code=exc.status, status=exc.status, message=exc.reason,
                  lang=language(request, c))


def _open(request: Request, session: Session, token: str, c: Caller | None):
    """The link's row, or the page that answers instead: already acknowledged, invalid / used / expired, or
    refused to someone else's session."""
    settings = request.app.state.settings
    done = acks.acknowledged_by_link(session, token, settings=settings)
    if done is not None:  # given already (this link, the console or the inbox): no second button
        return None, _page(request, c, done=done, **_summary(session, done.incident_id))
    try:
        row = acks.check_link(session, token, now_utc(request), settings=settings)
    except ServiceError as exc:
        return None, _page(request, c, status_code=exc.status, problem=exc.reason)
    try:
        acks.refuse_other(session, row, c.by if c else None)
    except ServiceError as exc:  # someone else's console session: it does not acknowledge for the link's person
        return None, _refused(request, c, exc, get_incident(session, row.incident_id))
    kept = acks.merged_into(session, row.incident_id)
    if kept is not None:  # merged since the link was sent: it says so and offers the kept one, no button
        return None, _page(request, c, kept=kept, **_summary(session, row.incident_id))
    return row, None


@router.get("/ack/{token}")
def ack_page(token: str, request: Request, session: Session = Depends(get_session),
             c: Caller | None = Depends(optional_caller)):
    """Show the incident and a confirm button; looking (or a chat app's link preview) changes nothing."""
    row, answer = _open(request, session, token, c)
    if answer is not None:
        return answer
    summary = _summary(session, row.incident_id)
    # someone else acknowledged already: who and when; the button only while this person's still counts
    view = ack_view.for_link(session, summary["incident"], row.person_id)
    return _page(request, c, token=token if view.needed else None, view=view, **summary)


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
        summary = _summary(session, row.incident_id)
        view = ack_view.for_link(session, summary["incident"], row.person_id)
        if exc.status == 409 and not view.needed:
            # a page opened before someone else's acknowledgement (or the 终报) settled it: nothing recorded, the
            # page says who acknowledged and when, with no button (as it would say if opened now)
            return _page(request, c, status_code=409, view=view, **summary)
        return _page(request, c, status_code=exc.status, problem=exc.reason)
    return _page(request, c, done=ack, **_summary(session, ack.incident_id))
