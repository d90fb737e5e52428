"""The wall display (值班大屏) at /wall: full screen, read-only, live; for the duty room's screen."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services import wall as wall_model
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/wall")
def wall(request: Request, c: Caller = Depends(page("wall:read")), session: Session = Depends(get_session)):
    state = request.app.state
    now = now_utc(request)
    w = wall_model.wall(session, now, by=c.by, settings=state.settings, alert_sources=state.extensions.alert_sources)
    charts = {"category": w.by_category, "grade": w.by_grade,
              "pass": [(unit, round(rate * 100, 1)) for unit, rate in w.pass_rates]}
    return render(request, "wall.html", c, w=w, tz=state.settings.tz, charts=json.dumps(charts, ensure_ascii=False))
