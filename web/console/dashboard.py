"""The "today" page: who is on duty, open incidents, pending tasks, alerts.

Features provide the panels' rows with functions (session, now, caller, settings) -> list[dict | str | Say]
(a `render.Say` is a message key and its values, put into the page's language when rendered);
the composition root lists them per panel ("mine": what needs the caller now, "on_duty", "incidents",
"tasks").
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services import alerts
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc
from web.fragments import live_page

router = APIRouter()
PANEL_NAMES = ("mine", "on_duty", "incidents", "tasks")


@router.get("/")
def dashboard(request: Request, c: Caller = Depends(page("dashboard:read", front=True)),
              session: Session = Depends(get_session)):
    def whole():
        now = now_utc(request)
        state = request.app.state
        settings, ext = state.settings, state.extensions
        found = alerts.collect(session=session, now=now, settings=settings, sources=ext.alert_sources,
                               scope=c.by.scope)
        filled = {name: [row for fn in ext.panels.get(name, ()) for row in fn(session, now, c, settings)]
                  for name in PANEL_NAMES}
        return render(request, "dashboard.html", c, alerts=found, local_now=now.astimezone(settings.tz), **filled)

    return live_page(request, c, c.by, whole)  # the panels take the caller ("mine"): the whole actor
