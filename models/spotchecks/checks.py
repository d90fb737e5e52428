"""Phone spot checks (电话抽查): plans, planned checks, results (append-only) and IVR call attempts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, Moment, UTCDateTime, new_id, utcnow


class CheckMode(StrEnum):
    manual = "manual"  # the duty officer phones and records the outcome
    automated = "automated"  # an IVR call asks for key 1


class PlannedStatus(StrEnum):
    planned = "planned"  # not yet due / not yet called
    calling = "calling"  # automated: attempts in progress
    done = "done"  # a result exists
    cancelled = "cancelled"


class SpotCheckPlan(SQLModel, table=True):
    """One period's plan (抽查计划); secret: duty office and auditors only."""

    __tablename__ = "spotcheck_plan"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    label: str = Field(max_length=20, unique=True, index=True, description="period, e.g. 2026Q4")
    period_start: date
    period_end: date
    seed: str = Field(max_length=64, description="reproduces the plan with rules.spotchecks.plan")
    min_per_quarter: int = Field(default=1)
    mode: CheckMode = Field(default=CheckMode.manual, description="default mode of the plan's checks")
    require_duty_code: bool = Field(default=False, description="automated calls ask for the answerer's duty code "
                                    "(值班识别码) after the confirm key, checked against the roster")
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlannedCheck(SQLModel, table=True):
    """One check the plan calls for: which unit, when, and why."""

    __tablename__ = "planned_check"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="spotcheck_plan.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    planned_at: datetime = Field(sa_type=UTCDateTime, index=True)
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    why: str = Field(default="", max_length=500, description="zh-CN: why this unit now")
    mode: CheckMode = Field(default=CheckMode.manual)
    status: PlannedStatus = Field(default=PlannedStatus.planned, index=True)
    claim: int = Field(default=0, description="fencing token: bumped by every atomic claim")


class PhoneCheck(SQLModel, table=True):
    """One phone check result; never edited — a correction is a new row whose `corrects_id` names the old one."""

    __tablename__ = "phone_check"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    planned_check_id: uuid.UUID | None = Field(default=None, foreign_key="planned_check.id", index=True)
    mode: CheckMode
    started_at: datetime = Field(sa_type=UTCDateTime, index=True, description="when the call was placed")
    ring_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    key_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rings: int | None = Field(default=None, ge=0)
    outcome: str = Field(max_length=40, index=True, description="rules.spotchecks.outcomes.Outcome")
    answered_by: str = Field(default="", max_length=60)
    answered_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    roster_match: bool | None = Field(default=None, description="answered by the rostered person? None: unknown")
    rostered: str = Field(default="", max_length=200, description="who was rostered then, as judged (names)")
    notes: str = Field(default="", max_length=1000)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="phone_check.id", index=True)


class IvrAttempt(SQLModel, table=True):
    """One automated call of a planned check; updated from the provider's receipts."""

    __tablename__ = "ivr_attempt"
    __table_args__ = (UniqueConstraint("planned_check_id", "attempt_no"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    planned_check_id: uuid.UUID = Field(foreign_key="planned_check.id", index=True)
    attempt_no: int
    due_at: datetime = Field(sa_type=UTCDateTime)
    placed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_id: str = Field(default="", max_length=64, index=True)
    provider_call_id: str = Field(default="", max_length=120, index=True)
    status: str = Field(default="queued", max_length=20, description="queued/calling/answered/+ final IvrResult")
    result: str | None = Field(default=None, max_length=20, description="rules.spotchecks.outcomes.IvrResult once final")
    ring_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    key_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    key: str = Field(default="", max_length=8)
    code_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="when a duty code was keyed")
    code_match: str = Field(default="", max_length=20, description="rules.spotchecks.outcomes.CodeMatch once judged")
    code_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id",
                                             description="whose duty code was keyed (never the code itself)")
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    receipts: int = Field(default=0, description="callbacks applied (duplicates counted, not re-applied)")
    detail: str = Field(default="", max_length=300)


class PhoneCheckCreate(SQLModel):
    """A manual result as the duty officer enters it (or a correction of an earlier one)."""

    model_config = INPUT

    unit_id: uuid.UUID | None = Field(default=None, description="required unless planned_check_id is given")
    planned_check_id: uuid.UUID | None = None
    started_at: Moment = Field(description="when the call was placed (aware)")
    outcome: str = Field(max_length=40, description="rules.spotchecks.outcomes.Outcome value")
    rings: int | None = Field(default=None, ge=0, le=60)
    answered_by: str = Field(default="", max_length=60)
    answered_person_id: uuid.UUID | None = None
    notes: str = Field(default="", max_length=1000)


class PhoneCheckCorrection(SQLModel):
    """A correction of a result: only what it gives changes; the check's time and roster judgement stay unless given."""

    started_at: Moment | None = Field(default=None, description="omit to keep the check's time")
    outcome: str | None = Field(default=None, max_length=40, description="omit to keep the outcome")
    rings: int | None = Field(default=None, ge=0, le=60)
    answered_by: str | None = Field(default=None, max_length=60, description="omit or empty to keep the answerer")
    answered_person_id: uuid.UUID | None = None
    roster_match: bool | None = Field(default=None, description="give it (null: unknown) to change the roster "
                                      "judgement; omitted it is kept, or asked again when the answerer or time changes")
    notes: str = Field(default="", max_length=1000)
