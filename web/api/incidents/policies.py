"""Escalation policies (升级策略) over REST: the office edits them; every edit is a new version
(services/incidents/policy_edits), and running incidents keep their frozen snapshot."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from core.errors import NotFound
from models.types import INPUT
from services.incidents import policies, policy_edits
from services.incidents.policies import PolicyIn, StepIn
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["incidents"])

class PolicyStepOut(BaseModel):
    targets: list[dict[str, str]]
    channels: list[str]
    wait_minutes: float
    ack: str = "any"


class PolicyOut(BaseModel):
    id: uuid.UUID
    name: str
    version: int
    position: int
    enabled: bool
    categories: list[str] | None
    min_grade: int | None
    sensitive: bool | None
    steps: list[PolicyStepOut]
    repeat: int
    start_delay_minutes: float
    ack_timeout_minutes: float | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class PolicyVersionOut(BaseModel):
    version: int
    data: dict[str, Any]
    note: str
    created_by: str
    created_at: datetime


class PolicyDetailOut(PolicyOut):
    versions: list[PolicyVersionOut]


class PolicyBody(PolicyIn):
    model_config = INPUT

    note: str = Field("", max_length=200, description="why (kept with the version)")


class PolicyPatch(BaseModel):
    """Only the fields to change; the rest stays as the current version has it."""

    model_config = INPUT

    name: str | None = None
    position: int | None = None
    categories: list[str] | None = None
    min_grade: int | None = None
    sensitive: bool | None = None
    steps: list[StepIn] | None = None
    repeat: int | None = None
    start_delay_minutes: float | None = None
    ack_timeout_minutes: float | None = None
    enabled: bool | None = None
    note: str = Field("", max_length=200)


def _detail(session: Session, row, c: Caller) -> dict:
    out = PolicyOut.model_validate(row, from_attributes=True).model_dump()
    return {**out, "versions": [v.__dict__ for v in policy_edits.versions(session=session, policy_id=row.id, by=c.by)]}


@router.get("/escalation-policies", response_model=list[PolicyOut])
def policy_list(c: Caller = Depends(require("escalation_policies:read")), session: Session = Depends(get_session)):
    return policy_edits.list_policies(session=session, by=c.by)


@router.get("/escalation-policies/{policy_id}", response_model=PolicyDetailOut)
def policy_show(policy_id: uuid.UUID, c: Caller = Depends(require("escalation_policies:read")),
                session: Session = Depends(get_session)):
    return _detail(session, policy_edits.get_policy(session=session, policy_id=policy_id, by=c.by), c)


@router.post("/escalation-policies", response_model=PolicyDetailOut, status_code=201)
def policy_create(data: PolicyBody, request: Request, c: Caller = Depends(require("escalation_policies:write")),
                  session: Session = Depends(get_session)):
    row = policy_edits.create(session=session, data=PolicyIn.model_validate(data.model_dump(exclude={"note"})),
                              by=c.by, now=now_utc(request), note=data.note)
    out = _detail(session, row, c)
    session.commit()
    return out


@router.put("/escalation-policies/{policy_id}", response_model=PolicyDetailOut)
def policy_replace(policy_id: uuid.UUID, data: PolicyBody, request: Request,
                   c: Caller = Depends(require("escalation_policies:write")), session: Session = Depends(get_session)):
    row = policy_edits.edit(session=session, policy_id=policy_id, by=c.by, now=now_utc(request), note=data.note,
                            data=PolicyIn.model_validate(data.model_dump(exclude={"note"})))
    out = _detail(session, row, c)
    session.commit()
    return out


@router.patch("/escalation-policies/{policy_id}", response_model=PolicyDetailOut)
def policy_patch(policy_id: uuid.UUID, data: PolicyPatch, request: Request,
                 c: Caller = Depends(require("escalation_policies:write")), session: Session = Depends(get_session)):
    row = policy_edits.get_policy(session=session, policy_id=policy_id, by=c.by)
    merged = {**policies.version_data(row), **data.model_dump(exclude_unset=True, exclude={"note"})}
    try:
        full = PolicyIn.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    row = policy_edits.edit(session=session, policy_id=policy_id, by=c.by, now=now_utc(request), note=data.note,
                            data=full)
    out = _detail(session, row, c)
    session.commit()
    return out


@router.post("/escalation-policies/{policy_id}/{switch}", response_model=PolicyOut)
def policy_switch(policy_id: uuid.UUID, switch: str, request: Request,
                  c: Caller = Depends(require("escalation_policies:write")), session: Session = Depends(get_session)):
    if switch not in ("enable", "disable"):
        raise NotFound("操作须为 enable（启用）或 disable（停用） (unknown action)", field="switch")
    row = policy_edits.set_enabled(session=session, policy_id=policy_id, enabled=switch == "enable", by=c.by,
                                   now=now_utc(request))
    session.commit()
    return row


@router.delete("/escalation-policies/{policy_id}", response_model=PolicyOut)
def policy_delete(policy_id: uuid.UUID, request: Request, c: Caller = Depends(require("escalation_policies:write")),
                  session: Session = Depends(get_session)):
    """A policy is never erased: deleting disables it (its versions and the incidents it served stay)."""
    row = policy_edits.set_enabled(session=session, policy_id=policy_id, enabled=False, by=c.by, now=now_utc(request))
    session.commit()
    return row
