"""Console: handover (交接班), signed by the incoming person, and the duty log (值班日志)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import ServiceError
from models.accounts import Role
from services.directory import org
from services.rosters import handovers
from web.console.forms import back
from web.console.render import page, render
from web.console.rosters.leaves import _people
from web.console.rosters.months import visible
from web.deps import Caller, get_session, now_utc, unit_scope

router = APIRouter()


OFFICE = (Role.admin, Role.duty_officer)


@router.get("/handovers")
def handover_page(request: Request, unit_id: uuid.UUID | None = None, c: Caller = Depends(page("rosters:read")),
                  session: Session = Depends(get_session)):
    units = org.list_units(session=session, only=unit_scope(c))
    unit_id = unit_id or (units[0].id if units else None)
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    rows, log = [], []
    if unit_id is not None:
        visible(c, unit_id)
        rows = handovers.list_handovers(session=session, unit_id=unit_id)
        log = handovers.log_entries(session=session, unit_id=unit_id, first=today - timedelta(days=7), last=today)
    return render(request, "handovers.html", c, units=units, unit_id=unit_id, rows=rows, log=log, today=today,
                  people=_people(session, c), error=request.query_params.get("error", ""))


@router.post("/handovers/{unit_id}/{action}")
async def handover_action(request: Request, unit_id: uuid.UUID, action: str,
                          c: Caller = Depends(page("handovers:write")), session: Session = Depends(get_session)):
    form = await request.form()
    url = f"/handovers?unit_id={unit_id}"
    try:
        visible(c, unit_id)
        if action == "open":
            handovers.open_handover(session=session, unit_id=unit_id, day=date.fromisoformat(str(form["day"])),
                                    notes=str(form.get("notes", "")), items=str(form.get("items", "")).splitlines(),
                                    actor=c.actor)
        elif action == "sign":
            done = [int(x) for x in form.getlist("done")]
            handovers.sign(session=session, handover_id=uuid.UUID(str(form["handover_id"])), now=now_utc(request),
                           actor=c.actor, person_id=c.user.person_id, done=done, override=c.user.role in OFFICE)
        elif action == "log":
            today = now_utc(request).astimezone(request.app.state.settings.tz).date()
            handovers.log(session=session, unit_id=unit_id, day=today, at=now_utc(request), kind=str(form.get("kind")),
                          content=str(form.get("content", "")), actor=c.actor)
        session.commit()
    except (ServiceError, KeyError, ValueError) as exc:
        session.rollback()
        return back(url, error=getattr(exc, "reason", str(exc)))
    return back(url)
