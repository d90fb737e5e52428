"""Spot checks REST API: plans (duty office and auditors only), due tasks, results and corrections."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from models.spotchecks.checks import (
    CheckMode,
    PhoneCheck,
    PhoneCheckCorrection,
    PhoneCheckCreate,
    PlannedCheck,
    SpotCheckPlan,
)
from models.types import INPUT
from services.spotchecks import plans, results
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(prefix="/spotchecks", tags=["spot checks"])


class PlanRequest(BaseModel):
    model_config = INPUT

    quarter: str = Field(description="e.g. 2026Q4")
    seed: str = Field(min_length=1, max_length=64)
    mode: CheckMode = CheckMode.manual
    require_duty_code: bool | None = Field(None, description="automated calls ask for the answerer's duty code "
                                           "(要求按值班识别码); omitted: the deployment's default")


class PlanSettings(BaseModel):
    model_config = INPUT
    require_duty_code: bool = Field(description="automated calls ask for the answerer's duty code (要求按值班识别码)")


class PlanPublic(BaseModel):
    id: uuid.UUID
    label: str
    period_start: date
    period_end: date
    seed: str
    mode: CheckMode
    require_duty_code: bool = False
    created_by: str
    checks: int = 0


class PlannedPublic(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    planned_at: datetime
    why: str
    reasons: list[dict[str, Any]]
    mode: CheckMode
    status: str


class CorrectionRequest(PhoneCheckCorrection):
    """Only the fields given change: the check's time and roster judgement stay unless given."""

    model_config = INPUT

    reason: str = Field(min_length=1, max_length=300)


def _plan_out(session: Session, plan: SpotCheckPlan) -> PlanPublic:
    return PlanPublic(**plan.model_dump(), checks=len(plans.plan_checks_of(session=session, plan_id=plan.id)))


@router.post("/plans", response_model=PlanPublic, status_code=201)
def create_plan(body: PlanRequest, request: Request, c: Caller = Depends(require("spotcheck_plans:write")),
                session: Session = Depends(get_session)):
    plan = plans.make_plan(session=session, quarter=body.quarter, seed=body.seed, actor=c.actor,
                           now=now_utc(request), settings=request.app.state.settings, mode=body.mode,
                           require_duty_code=body.require_duty_code)
    out = _plan_out(session, plan)
    session.commit()
    return out


@router.patch("/plans/{plan_id}", response_model=PlanPublic)
def update_plan(plan_id: uuid.UUID, body: PlanSettings, request: Request,
                c: Caller = Depends(require("spotcheck_plans:write")), session: Session = Depends(get_session)):
    """Turn 要求按值班识别码 on or off; calls already placed keep what they asked."""
    plan = plans.set_require_duty_code(session=session, plan_id=plan_id, on=body.require_duty_code, actor=c.actor,
                                       now=now_utc(request))
    out = _plan_out(session, plan)
    session.commit()
    return out


@router.get("/plans", response_model=list[PlanPublic])
def list_plans(c: Caller = Depends(require("spotcheck_plans:read")), session: Session = Depends(get_session)):
    return [_plan_out(session, p) for p in plans.list_plans(session=session)]


@router.get("/plans/{plan_id}/checks", response_model=list[PlannedPublic])
def plan_checks(plan_id: uuid.UUID, c: Caller = Depends(require("spotcheck_plans:read")),
                session: Session = Depends(get_session)):
    plans.get_plan(session=session, plan_id=plan_id)
    return plans.plan_checks_of(session=session, plan_id=plan_id)


@router.get("/tasks", response_model=list[PlannedPublic])
def due_tasks(request: Request, c: Caller = Depends(require("spotchecks:write")),
              session: Session = Depends(get_session)):
    """Checks the duty officer should phone now ("call 高观镇 now")."""
    return plans.due_manual(session=session, now=now_utc(request), settings=request.app.state.settings)


@router.post("/results", response_model=PhoneCheck, status_code=201)
def record_result(body: PhoneCheckCreate, request: Request, c: Caller = Depends(require("spotchecks:write")),
                  session: Session = Depends(get_session)):
    check = results.record_manual(session=session, data=body, actor=c.actor, now=now_utc(request),
                                  settings=request.app.state.settings)
    session.commit()
    return check


@router.post("/results/{check_id}/corrections", response_model=PhoneCheck, status_code=201)
def correct_result(check_id: uuid.UUID, body: CorrectionRequest, request: Request,
                   c: Caller = Depends(require("spotchecks:write")), session: Session = Depends(get_session)):
    data = PhoneCheckCorrection.model_validate(body.model_dump(exclude={"reason"}, exclude_unset=True))
    check = results.correct(session=session, check_id=check_id, data=data, reason=body.reason, actor=c.actor,
                            now=now_utc(request), settings=request.app.state.settings)
    session.commit()
    return check


@router.get("/results", response_model=list[PhoneCheck])
def list_results(unit_id: uuid.UUID | None = None, c: Caller = Depends(require("spotchecks:read")),
                 session: Session = Depends(get_session)):
    """Results in force (corrected entries replaced by their corrections)."""
    return results.current_checks(session, unit_id=unit_id)


@router.get("/results/{check_id}/history", response_model=list[PhoneCheck])
def result_history(check_id: uuid.UUID, c: Caller = Depends(require("spotchecks:read")),
                   session: Session = Depends(get_session)):
    return results.history(session, check_id)


__all__ = ["router", "PlannedCheck"]
