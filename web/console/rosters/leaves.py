"""Console: leave reports (请假报备): the list, filing, review of urgent ones, approval, 销假 and cancelling. Who may do what: the services."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import NotFound, ServiceError
from models.rosters.leave import LeaveCreate
from services.directory import org
from services.rosters import gaps, leaves
from web.console.forms import back, field_errors, form_values, from_form, raise_refusal
from web.console.directory import people_picker
from web.console.render import language, page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


def _people(session: Session, c: Caller) -> dict:
    """The people the caller may see, by id (names for the lists and forms)."""
    return {p.id: p for p in org.people_for(session=session, by=c.by)}


# The form's fields as the form labels them (the error summary and each field's own message say these words)
LABELS = {"person_id": "leave.person", "start_day": "leave.start", "start_half": "leave.start", "end_day": "leave.end",
          "end_half": "leave.end", "destination": "leave.destination", "reason": "leave.reason",
          "contact": "leave.contact", "arrangements": "leave.arrangements", "acting_person_id": "leave.acting_field",
          "abroad": "leave.abroad", "together_reason": "leave.together_reason", "urgent": "leave.urgent",
          "urgent_reason": "leave.urgent_reason"}


def _page(request: Request, c: Caller, session: Session, status: int = 200, values: dict | None = None,
          errors: dict | None = None):
    """The list and the form; a refused filing shows again with everything typed and ticked (`values`), each reason
    at its field and in the summary at the top."""
    people = _people(session, c)
    rows = leaves.list_leaves(session=session, by=c.by)
    filers = leaves.filers(session=session, by=c.by)
    actions = {r.id: leaves.allowed_actions(session, r, c.by) for r in rows}  # decided by the service
    values = values or {}
    chosen = str(values.get("person_id") or c.user.person_id or (filers[0].id if filers else ""))
    return render(request, "leaves.html", c, status, rows=rows, people=people, filers=filers, actions=actions,
                  person_groups=people_picker.groups(session, people.values(), language(request, c)),
                  uncovered=gaps.uncovered_by_absence(session, rows), error=request.query_params.get("error", ""),
                  values=values, chosen=chosen,  # chosen: not in the 主持工作 list (nobody acts for themselves)
                  errors=errors or {}, error_labels=LABELS)


@router.get("/leaves")
def leave_list(request: Request, c: Caller = Depends(page("leaves:read")), session: Session = Depends(get_session)):
    return _page(request, c, session)


@router.post("/leaves")
async def leave_file(request: Request, c: Caller = Depends(page("leaves:write")), session: Session = Depends(get_session)):
    typed = form_values(await request.form())
    data = dict(typed)
    data["abroad"] = data.get("abroad") == "on"
    data["urgent"] = data.get("urgent") == "on"
    settings = request.app.state.settings
    try:
        leave = from_form(LeaveCreate, data)
        today = now_utc(request).astimezone(settings.tz).date()
        leaves.file_leave(session=session, data=leave, today=today, by=c.by, tz=settings.timezone)
        session.commit()
    except ValidationError as exc:
        return _page(request, c, session, 422, values=typed, errors=field_errors(exc))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return _page(request, c, session, 422, values=typed, errors=field_errors(exc))
    return back("/leaves")


ACTIONS = {"review": leaves.review, "approve": leaves.approve, "return": leaves.mark_returned, "cancel": leaves.cancel}


@router.post("/leaves/{leave_id}/{action}")
def leave_action(request: Request, leave_id: uuid.UUID, action: str, c: Caller = Depends(page("leaves:write")),
                 session: Session = Depends(get_session)):
    do = ACTIONS.get(action)
    if do is None:
        raise NotFound(f"没有该操作：{action!r} (no such action)", field="action")
    try:
        if action == "cancel":
            do(session=session, leave_id=leave_id, by=c.by, tz=request.app.state.settings.timezone)
        else:
            do(session=session, leave_id=leave_id, now=now_utc(request), by=c.by,
               tz=request.app.state.settings.timezone)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/leaves", error=exc.reason)
    return back("/leaves")
