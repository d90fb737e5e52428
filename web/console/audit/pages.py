"""Console: the audit log (filters, pages of 50, names and before → after) and its chain verification."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from models.directory import Unit
from services.audit import checks, reading
from services.times import FORM, office_time
from web.console.audit import view
from web.console.render import language, page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()
FILTERS = ("since", "until", "actor", "action", "entity", "unit_id")


@router.get("/audit")
def audit_log(request: Request, since: str = Query("", max_length=40), until: str = Query("", max_length=40),
              actor: str = Query("", max_length=120), action: str = Query("", max_length=300),
              entity: str = Query("", max_length=60), unit_id: str = Query("", max_length=64),
              page_no: int = Query(1, alias="page", ge=1, le=10**6), pos: int | None = Query(None, ge=1, le=2**62),
              c: Caller = Depends(page("audit:read")), session: Session = Depends(get_session)):
    settings = request.app.state.settings
    lang = language(request, c)
    errors: dict[str, str] = {}
    times = {}
    for name, text in (("since", since), ("until", until)):
        try:
            times[name] = office_time(text, settings.tz)
        except ValueError as exc:
            times[name] = None
            errors[name] = view.word("audit.bad_time" if str(exc) == FORM else "audit.time_era", lang)
    filters = reading.Filters(since=times["since"], until=times["until"], actor=actor.strip(), action=action,
                              entity=entity, unit_id=unit_id, pos_at_most=pos + 5 if pos else None)
    result = reading.list_entries(session=session, by=c.by, filters=filters, offset=(page_no - 1) * reading.PAGE)
    args = {k: v for k, v in zip(FILTERS, (since, until, actor, action, entity, unit_id)) if v}
    if pos:  # a chain problem's link: entry 第 pos 号 (its chain position) and its neighbours
        args["pos"] = pos
    units = session.exec(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.name)).all()
    return render(request, "audit.html", c, status_code=400 if errors else 200, result=result, view=view,
                  args=args, page_no=page_no, errors=errors, units=units, tz=settings.tz,
                  gaps=not any((since, until, actor, action, entity, unit_id)),  # else a filter's, not deletions
                  actions=view.action_choices(reading.action_pairs_in_use(session=session, by=c.by), lang),
                  entities=reading.entities_in_use(session=session, by=c.by),
                  last=checks.last_check(session=session, keeper=request.app.state.audit_keeper), filters=dict(zip(FILTERS, (
                      since, until, actor, action, entity, unit_id))))


@router.post("/audit/verify")
def audit_verify(request: Request, c: Caller = Depends(page("audit:read")), session: Session = Depends(get_session)):
    checks.check(session=session, keeper=request.app.state.audit_keeper, by=c.actor, now=now_utc(request))
    session.commit()
    return RedirectResponse("/audit", status_code=303)
