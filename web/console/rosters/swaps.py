"""Console: shift swaps (换班): request, the counterpart's confirmation, approval."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import Forbidden, ServiceError
from models.accounts import Role
from models.rosters.duty import SwapCreate
from services.rosters import swaps
from web.console.forms import back, form_values, invalid_text
from web.console.render import page, render
from web.console.rosters.leaves import _people
from web.deps import Caller, get_session, now_utc, unit_scope

router = APIRouter()


OFFICE = (Role.admin, Role.duty_officer)


@router.get("/swaps")
def swap_list(request: Request, c: Caller = Depends(page("swaps:read")), session: Session = Depends(get_session)):
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    office = c.user.role in OFFICE or c.user.role is Role.unit_reporter
    mine = swaps.offerable_slots(session=session, first=today, unit_id=unit_scope(c),
                                 person_id=None if office else c.user.person_id)
    return render(request, "swaps.html", c, rows=swaps.list_swaps(session=session, unit_id=unit_scope(c)),
                  people=_people(session, c), slots=mine, error=request.query_params.get("error", ""))


@router.post("/swaps")
async def swap_request(request: Request, c: Caller = Depends(page("swaps:write")), session: Session = Depends(get_session)):
    try:
        data = SwapCreate.model_validate(form_values(await request.form()))
        office = c.user.role in OFFICE or c.user.role is Role.unit_reporter
        swaps.request(session=session, data=data, now=now_utc(request), actor=c.actor,
                      requester_id=None if office else c.user.person_id, settings=request.app.state.settings)
        session.commit()
    except ValidationError as exc:
        return back("/swaps", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        return back("/swaps", error=f"{exc.field}: {exc.reason}")
    return back("/swaps")


@router.post("/swaps/{swap_id}/{action}")
def swap_action(request: Request, swap_id: uuid.UUID, action: str, c: Caller = Depends(page("swaps:write")),
                session: Session = Depends(get_session)):
    from web.access import allowed

    try:
        if action == "confirm":
            swaps.confirm(session=session, swap_id=swap_id, now=now_utc(request), actor=c.actor, person_id=c.user.person_id)
        elif action in ("approve", "reject") and allowed(c.user.role, "swaps:approve"):
            swaps.decide(session=session, swap_id=swap_id, approve=action == "approve", now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
        elif action == "cancel":
            swaps.cancel(session=session, swap_id=swap_id, actor=c.actor,
                         person_id=None if c.user.role in OFFICE else c.user.person_id)
        else:
            raise Forbidden(f"{action} is not allowed here", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return back("/swaps", error=exc.reason)
    return back("/swaps")
