"""The "today" page: who is on duty, open incidents, pending tasks, alerts.

Features fill the panels by registering a provider:
`@panel("on_duty")` def f(session, now, caller, settings) -> list[dict | str].
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services import alerts
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()
PANELS: dict[str, list[Callable]] = {"on_duty": [], "incidents": [], "tasks": []}


def panel(name: str):
    """Register a provider for one of the dashboard's panels."""
    def wrap(fn: Callable) -> Callable:
        PANELS[name].append(fn)
        return fn
    return wrap


@router.get("/")
def dashboard(request: Request, c: Caller = Depends(page("dashboard:read")),
              session: Session = Depends(get_session)):
    now = now_utc(request)
    settings = request.app.state.settings
    found = alerts.collect(session=session, now=now, settings=settings)
    filled = {name: [row for fn in fns for row in fn(session, now, c, settings)] for name, fns in PANELS.items()}
    return render(request, "dashboard.html", c, alerts=found, local_now=now.astimezone(settings.tz), **filled)
