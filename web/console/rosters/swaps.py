"""Console: shift swaps (换班): request, the counterpart's confirmation, approval. Who may do what: the services."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import NotFound, ServiceError
from models.rosters.duty import SwapCreate
from services.rosters import swaps
from web.console.forms import back, form_values, from_form, invalid_text, raise_refusal
from web.console.directory import people_picker
from web.console.render import field_reason, page, render
from web.console.rosters.leaves import _people
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/swaps")
def swap_list(request: Request, c: Caller = Depends(page("swaps:read")), session: Session = Depends(get_session)):
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    mine = swaps.offerable_slots(session=session, first=today, by=c.by)
    return render(request, "swaps.html", c, rows=swaps.list_swaps(session=session, by=c.by),
                  people=(people := _people(session, c)), person_groups=people_picker.groups(session, people.values()),
                  slots=mine, error=request.query_params.get("error", ""))


@router.post("/swaps")
async def swap_request(request: Request, c: Caller = Depends(page("swaps:write")), session: Session = Depends(get_session)):
    try:
        data = from_form(SwapCreate, form_values(await request.form()))
        swaps.request(session=session, data=data, now=now_utc(request), by=c.by, settings=request.app.state.settings)
        session.commit()
    except ValidationError as exc:
        return back("/swaps", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/swaps", error=field_reason(exc, request, c))
    return back("/swaps")


@router.post("/swaps/{swap_id}/{action}")
def swap_action(request: Request, swap_id: uuid.UUID, action: str, c: Caller = Depends(page("swaps:write")),
                session: Session = Depends(get_session)):
    now, tz = now_utc(request), request.app.state.settings.timezone
    try:
        if action == "confirm":
            swaps.confirm(session=session, swap_id=swap_id, now=now, by=c.by)
        elif action in ("approve", "reject"):
            swaps.decide(session=session, swap_id=swap_id, approve=action == "approve", now=now, by=c.by, tz=tz)
        elif action == "cancel":
            swaps.cancel(session=session, swap_id=swap_id, by=c.by)
        else:
            raise NotFound(f"没有该操作：{action!r} (no such action)", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/swaps", error=exc.reason)
    return back("/swaps")
