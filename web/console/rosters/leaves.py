"""Console: leave reports (请假报备): the list, filing, approval, 销假 and cancelling."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import Forbidden, ServiceError
from models.accounts import Role
from models.rosters.leave import LeaveCreate
from services.directory import org
from services.rosters import leaves
from web.console.forms import back, form_values, invalid_text
from web.console.render import page, render
from web.console.rosters.months import visible
from web.deps import Caller, get_session, now_utc, unit_scope

router = APIRouter()


OFFICE = (Role.admin, Role.duty_officer)


def _people(session: Session, c: Caller) -> dict:
    return {p.id: p for p in org.list_people(session=session, unit_id=unit_scope(c))}


@router.get("/leaves")
def leave_list(request: Request, c: Caller = Depends(page("leaves:read")), session: Session = Depends(get_session)):
    people = _people(session, c)
    rows = leaves.list_leaves(session=session, unit_id=unit_scope(c))
    # Anyone rostered may be away; leading cadres (formal 请假报备) first. Others may file only their own.
    mine = c.user.role in OFFICE or c.user.role is Role.unit_reporter
    filers = sorted((p for p in people.values() if p.active and (mine or p.id == c.user.person_id)),
                    key=lambda p: (not p.is_leading_cadre, str(p.unit_id), p.name))
    return render(request, "leaves.html", c, rows=rows, people=people, filers=filers,
                  error=request.query_params.get("error", ""))


@router.post("/leaves")
async def leave_file(request: Request, c: Caller = Depends(page("leaves:write")), session: Session = Depends(get_session)):
    data = form_values(await request.form())
    data["abroad"] = data.get("abroad") == "on"
    try:
        leave = LeaveCreate.model_validate(data)
        if c.user.role not in OFFICE and c.user.person_id != leave.person_id and c.user.role is not Role.unit_reporter:
            raise Forbidden("you may file only your own leave", field="person_id")
        if c.user.role is Role.unit_reporter:
            visible(c, org.get_person(session=session, person_id=leave.person_id).unit_id)
        today = now_utc(request).astimezone(request.app.state.settings.tz).date()
        leaves.file_leave(session=session, data=leave, today=today, actor=c.actor,
                          tz=request.app.state.settings.timezone)
        session.commit()
    except ValidationError as exc:
        return back("/leaves", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        return back("/leaves", error=f"{exc.field}: {exc.reason}")
    return back("/leaves")


@router.post("/leaves/{leave_id}/{action}")
def leave_action(request: Request, leave_id: uuid.UUID, action: str, c: Caller = Depends(page("leaves:write")),
                 session: Session = Depends(get_session)):
    try:
        if action == "approve" and c.user.role in OFFICE:
            leaves.approve(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
        elif action == "return":
            leaves.mark_returned(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
        elif action == "cancel":
            leaves.cancel(session=session, leave_id=leave_id, actor=c.actor,
                          person_id=None if c.user.role in OFFICE else c.user.person_id, tz=request.app.state.settings.timezone)
        else:
            raise Forbidden(f"{action} is not allowed here", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return back("/leaves", error=exc.reason)
    return back("/leaves")
