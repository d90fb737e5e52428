"""Spot-check console: the duty officer's "call now" tasks with the outcome form, results, corrections, plans."""

from __future__ import annotations

import re

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlmodel import Session, select

from core.errors import Invalid, ServiceError
from models.directory import Unit
from models.spotchecks.checks import CheckMode, PhoneCheckCorrection, PhoneCheckCreate
from rules.spotchecks.outcomes import Outcome
from services.spotchecks import plans, results
from web.console.forms import field_errors, from_form
from web.console.i18n import translate
from web.console.render import Say, data, display_label, page, render, templates, words
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
        results.record_manual(session=session, data=from_form(PhoneCheckCreate, data), actor=c.actor, now=now,
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
        data = {k: v for k, v in form.items() if k not in ("csrf_token", "reason", "roster_match") and v != ""}
        if "started_at" in data:  # only a time typed into the form changes the check's time
            data = _form_data(data, tz, now)
        choice = form.get("roster_match") or "keep"  # keep the judgement unless the officer sets it
        if choice != "keep":
            if choice not in ROSTER_CHOICES:
                raise Invalid(f"排班核对结果 {choice!r} 无效 (unknown roster judgement)", field="roster_match")
            data["roster_match"] = ROSTER_CHOICES[choice]
        results.correct(session=session, check_id=check_id, data=PhoneCheckCorrection.model_validate(data),
                        reason=form.get("reason", ""), actor=c.actor, now=now, settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError, ValueError) as exc:
        session.rollback()
        errors = {"started_at": str(exc)} if isinstance(exc, ValueError) and not isinstance(
            exc, ValidationError) else field_errors(exc)
        return _page(request, c, session, 422, errors, dict(form))
    return RedirectResponse("/spotchecks", status_code=303)


# the correction form's explicit roster judgements ("keep", the default, gives none)
ROSTER_CHOICES = {"yes": True, "no": False, "unknown": None}


@router.get("/spotchecks/plans")
def plan_list(request: Request, c: Caller = Depends(page("spotcheck_plans:read")),
              session: Session = Depends(get_session), errors: dict | None = None):
    return render(request, "spotcheck_plans.html", c, plans=plans.list_plans(session=session), errors={},
                  modes=list(CheckMode), values={},
                  duty_code_default=request.app.state.settings.spotchecks.require_duty_code)


@router.post("/spotchecks/plans")
async def plan_create(request: Request, c: Caller = Depends(page("spotcheck_plans:write")),
                      session: Session = Depends(get_session)):
    form = await request.form()
    try:
        plan = plans.make_plan(session=session, quarter=form.get("quarter", ""), seed=form.get("seed") or "0",
                               actor=c.actor, now=now_utc(request), settings=request.app.state.settings,
                               mode=CheckMode(form.get("mode") or "manual"),
                               require_duty_code=form.get("require_duty_code") == "on")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return render(request, "spotcheck_plans.html", c, status_code=422, plans=plans.list_plans(session=session),
                      errors=field_errors(exc), modes=list(CheckMode), values=dict(form),
                      duty_code_default=request.app.state.settings.spotchecks.require_duty_code)
    return RedirectResponse(f"/spotchecks/plans/{plan.id}", status_code=303)


@router.post("/spotchecks/plans/{plan_id}/duty-code")
async def plan_duty_code(plan_id: uuid.UUID, request: Request, c: Caller = Depends(page("spotcheck_plans:write")),
                         session: Session = Depends(get_session)):
    form = await request.form()
    plans.set_require_duty_code(session=session, plan_id=plan_id, on=form.get("require_duty_code") == "on",
                                actor=c.actor, now=now_utc(request))
    session.commit()
    return RedirectResponse(f"/spotchecks/plans/{plan_id}", status_code=303)


@router.get("/spotchecks/plans/{plan_id}")
def plan_detail(plan_id: uuid.UUID, request: Request, c: Caller = Depends(page("spotcheck_plans:read")),
                session: Session = Depends(get_session)):
    plan = plans.get_plan(session=session, plan_id=plan_id)
    return render(request, "spotcheck_plan.html", c, plan=plan, checks=plans.plan_checks_of(session=session,
                  plan_id=plan_id), units=_units(session), tz=request.app.state.settings.tz)


# The zh-CN texts of rules.spotchecks.plan.Reason, read back into their kind and values.
WHY = [(re.compile(r"^每季度至少抽查（第(?P<i>\d+)/(?P<n>\d+)次）$"), "quota"),
       (re.compile(r"^近期抽查不合格(?P<n>\d+)次，加密抽查$"), "recent_failure"),
       (re.compile(r"^夜间时段（(?P<hour>\d+)时）$"), "night"), (re.compile(r"^周末$"), "weekend"),
       (re.compile(r"^节假日（(?P<name>.+)）$"), "holiday"), (re.compile(r"^节假日$"), "holiday_plain"),
       (re.compile(r"^汛期$"), "flood_season")]


def why(text: str | None, lang: str) -> Markup:
    """'Why this unit now' in the page's language; a part not recognised stays as written (marked Chinese)."""
    parts = []
    for part in (text or "").split("；"):
        if not part:
            continue
        for pattern, kind in WHY:
            if m := pattern.match(part):
                values = dict(m.groupdict())
                if "name" in values:
                    values["name"] = display_label("festival", values["name"], lang)
                parts.append(escape(words(f"sc.why.{kind}", lang, None, values)))
                break
        else:
            parts.append(data(part))
    return Markup(escape(translate("sc.why.sep", lang))).join(parts)


templates.env.globals["checked_why"] = why


def due_checks(session: Session, now: datetime, c: Caller, settings) -> list[Say]:
    """'Call 高观镇 now' for the duty officer (never shown to units: plans are secret), in the page's language."""
    due = plans.call_now(session=session, now=now, settings=settings, by=c.by)
    units = _units(session) if due else {}
    return [Say("sc.due_call", {"unit": data(units[p.unit_id].name), "phone": units[p.unit_id].duty_phone})
            for p in due[:10] if p.unit_id in units]
