"""The "today" page: who is on duty, open incidents, pending tasks, alerts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services import alerts
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/")
def dashboard(request: Request, c: Caller = Depends(page("dashboard:read")),
              session: Session = Depends(get_session)):
    now = now_utc(request)
    found = alerts.collect(session=session, now=now, settings=request.app.state.settings)
    local = now.astimezone(request.app.state.settings.tz)
    return render(request, "dashboard.html", c, alerts=found, local_now=local, on_duty=[], incidents=[], tasks=[])
