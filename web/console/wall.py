"""The wall display (值班大屏) at /wall: full screen, read-only, live; for the duty room's screen."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services import wall as wall_model
from rules.incidents.types import Grade
from web.console.i18n import translate
from web.console.render import display_label, language, page, render, words
from web.deps import Caller, get_session, now_utc
from web.fragments import live_page

router = APIRouter()


@router.get("/wall")
def wall(request: Request, c: Caller = Depends(page("wall:read")), session: Session = Depends(get_session)):
    def whole():
        state = request.app.state
        now = now_utc(request)
        w = wall_model.wall(session, now, by=c.by, settings=state.settings,
                            alert_sources=state.extensions.alert_sources)
        lang = language(request, c)
        grade = (lambda g: words("inc.board.grade", lang, None, {"roman": Grade(g).roman, "label": display_label(
            "grade", g, lang)}) if g is not None else translate("inc.board.ungraded", lang))
        # chart labels in the page's language; unit names are data (the same in both)
        charts = {"category": [(translate(f"category.{cat}", lang), n) for cat, n in w.by_category],
                  "grade": [(grade(g), n) for g, n in w.by_grade],
                  "pass": [(unit, round(rate * 100, 1)) for unit, rate in w.pass_rates]}
        return render(request, "wall.html", c, w=w, tz=state.settings.tz,
                      charts=json.dumps(charts, ensure_ascii=False))

    return live_page(request, c, (c.by.role, c.by.scope), whole)  # wall() decides by the unit scope
