"""Spot-check console: the duty officer's "call now" tasks with the outcome form, results, corrections, plans."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, select

from core.errors import ServiceError
from models.directory import Unit
from models.spotchecks.checks import CheckMode, PhoneCheckCreate
from rules.spotchecks.outcomes import Outcome
from services.spotchecks import plans, results
from web.console.forms import field_errors
from web.console.render import Say, page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


def _units(session: Session) -> dict:
    return {u.id: u for u in session.exec(select(Unit))}


def _page(request, c, session, status_code=200, errors=None, values=None):
    now = now_utc(request)
    tasks = plans.call_now(session=session, now=now, settings=request.app.state.settings, by=c.by)
    recent = list(reversed(results.current_checks(session)))[:50]
    return render(request, "spotchecks.html", c, status_code=status_code, tasks=tasks, recent=recent,
                  units=_units(session), outcomes=list(Outcome), errors=errors or {}, values=values or {},
                  tz=request.app.state.settings.tz, local_now=now.astimezone(request.app.state.settings.tz))


@router.get("/spotchecks")
def spotchecks(request: Request, c: Caller = Depends(page("spotchecks:read")), session: Session = Depends(get_session)):
    return _page(request, c, session)


def _form_data(form, tz, now: datetime) -> dict:
    data = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    if "started_at" in data:  # a datetime-local field is local time
        data["started_at"] = datetime.fromisoformat(data["started_at"]).replace(tzinfo=tz) \
            if "T" in data["started_at"] and "+" not in data["started_at"] else data["started_at"]
    else:
        data["started_at"] = now
    return data


@router.post("/spotchecks/results")
async def record(request: Request, c: Caller = Depends(page("spotchecks:write")),
                 session: Session = Depends(get_session)):
    now, tz = now_utc(request), request.app.state.settings.tz
    form = await request.form()
    try:
        data = _form_data(form, tz, now)
        results.record_manual(session=session, data=PhoneCheckCreate.model_validate(data), actor=c.actor, now=now,
                              settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError, ValueError) as exc:
        session.rollback()
        errors = {"started_at": str(exc)} if isinstance(exc, ValueError) and not isinstance(
            exc, ValidationError) else field_errors(exc)
        return _page(request, c, session, 422, errors, dict(form))
    return RedirectResponse("/spotchecks", status_code=303)


@router.post("/spotchecks/results/{check_id}/correct")
async def correct(check_id: uuid.UUID, request: Request, c: Caller = Depends(page("spotchecks:write")),
                  session: Session = Depends(get_session)):
    now, tz = now_utc(request), request.app.state.settings.tz
    form = await request.form()
    try:
        data = _form_data(form, tz, now)
        reason = data.pop("reason", "")
        old = results.history(session, check_id)
        if old:
            data.setdefault("started_at", old[0].started_at)
        results.correct(session=session, check_id=check_id, data=PhoneCheckCreate.model_validate(data),
                        reason=reason, actor=c.actor, now=now, settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        return _page(request, c, session, 422, field_errors(exc), dict(form))
    return RedirectResponse("/spotchecks", status_code=303)


@router.get("/spotchecks/plans")
def plan_list(request: Request, c: Caller = Depends(page("spotcheck_plans:read")),
              session: Session = Depends(get_session), errors: dict | None = None):
    return render(request, "spotcheck_plans.html", c, plans=plans.list_plans(session=session), errors={},
                  modes=list(CheckMode), values={})


@router.post("/spotchecks/plans")
async def plan_create(request: Request, c: Caller = Depends(page("spotcheck_plans:write")),
                      session: Session = Depends(get_session)):
    form = await request.form()
    try:
        plan = plans.make_plan(session=session, quarter=form.get("quarter", ""), seed=form.get("seed") or "0",
                               actor=c.actor, now=now_utc(request), settings=request.app.state.settings,
                               mode=CheckMode(form.get("mode") or "manual"))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render(request, "spotcheck_plans.html", c, status_code=422, plans=plans.list_plans(session=session),
                      errors=field_errors(exc), modes=list(CheckMode), values=dict(form))
    return RedirectResponse(f"/spotchecks/plans/{plan.id}", status_code=303)


@router.get("/spotchecks/plans/{plan_id}")
def plan_detail(plan_id: uuid.UUID, request: Request, c: Caller = Depends(page("spotcheck_plans:read")),
                session: Session = Depends(get_session)):
    plan = plans.get_plan(session=session, plan_id=plan_id)
    return render(request, "spotcheck_plan.html", c, plan=plan, checks=plans.plan_checks_of(session=session,
                  plan_id=plan_id), units=_units(session), tz=request.app.state.settings.tz)


def due_checks(session: Session, now: datetime, c: Caller, settings) -> list[Say]:
    """'Call 高观镇 now' for the duty officer (never shown to units: plans are secret), in the page's language."""
    due = plans.call_now(session=session, now=now, settings=settings, by=c.by)
    units = _units(session) if due else {}
    return [Say("sc.due_call", {"unit": units[p.unit_id].name, "phone": units[p.unit_id].duty_phone})
            for p in due[:10] if p.unit_id in units]
