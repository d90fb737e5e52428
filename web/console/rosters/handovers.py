"""Console: handover (交接班), signed by the incoming person, and the duty log (值班日志)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import NotFound, ServiceError
from services.directory import org
from services.rosters import handovers
from web.console.forms import back, raise_refusal
from web.console.render import page, render
from web.console.rosters.leaves import _people
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/handovers")
def handover_page(request: Request, unit_id: uuid.UUID | None = None, c: Caller = Depends(page("rosters:read")),
                  session: Session = Depends(get_session)):
    units = org.units_for(session=session, by=c.by)
    unit_id = unit_id or (units[0].id if units else None)
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    rows, log = [], []
    if unit_id is not None:
        rows = handovers.list_handovers(session=session, unit_id=unit_id, by=c.by)
        log = handovers.log_entries(session=session, unit_id=unit_id, first=today - timedelta(days=7), last=today,
                                    by=c.by)
    return render(request, "handovers.html", c, units=units, unit_id=unit_id, rows=rows, log=log, today=today,
                  people=_people(session, c), error=request.query_params.get("error", ""))


@router.post("/handovers/{unit_id}/{action}")
async def handover_action(request: Request, unit_id: uuid.UUID, action: str,
                          c: Caller = Depends(page("handovers:write")), session: Session = Depends(get_session)):
    form = await request.form()
    url = f"/handovers?unit_id={unit_id}"
    try:
        if action == "open":
            handovers.open_handover(session=session, unit_id=unit_id, day=date.fromisoformat(str(form["day"])),
                                    notes=str(form.get("notes", "")), items=str(form.get("items", "")).splitlines(),
                                    by=c.by)
        elif action == "sign":
            done = [int(x) for x in form.getlist("done")]
            handovers.sign(session=session, handover_id=uuid.UUID(str(form["handover_id"])), now=now_utc(request),
                           by=c.by, done=done)
        elif action == "log":
            today = now_utc(request).astimezone(request.app.state.settings.tz).date()
            handovers.log(session=session, unit_id=unit_id, day=today, at=now_utc(request), kind=str(form.get("kind")),
                          content=str(form.get("content", "")), by=c.by)
        else:
            raise NotFound(f"没有该操作：{action!r} (no such action)", field="action")
        session.commit()
    except (ServiceError, KeyError, ValueError) as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back(url, error=getattr(exc, "reason", str(exc)))
    return back(url)
