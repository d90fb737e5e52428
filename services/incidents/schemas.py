"""Input shapes of the incident API, console and CLI (validated again by the rules)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from rules.incidents import Category


def _figure(value):
    if isinstance(value, str):
        v = value.strip()
        if v in ("待核实", "unverified"):
            return "待核实"
        if v == "":
            return None
        try:
            return int(v)
        except ValueError:
            raise ValueError("须为人数或“待核实” (a count or 待核实)") from None
    return value


Figure = Annotated[int | Literal["待核实"] | None, BeforeValidator(_figure)]


class Figures(BaseModel):
    deaths: Figure = Field(None, description="死亡: a count, '待核实', or null (not stated)")
    seriously_injured: Figure = Field(None, description="重伤")
    injured: Figure = Field(None, description="受伤")
    missing: Figure = Field(None, description="失联")


class IncidentIn(Figures):
    """What intake accepts: only title, category, unit and 接报 time are required."""

    title: str = Field(min_length=1, max_length=200)
    category: Category
    type: str = Field("", max_length=60, description="e.g. 山体滑坡")
    unit_id: uuid.UUID | None = Field(None, description="reporting unit (or unit_code)")
    unit_code: str | None = Field(None, max_length=40)
    occurred_at: datetime | None = None
    received_at: datetime = Field(description="接报 time, with time zone")
    place: str = Field("", max_length=200)
    source: str = Field("", max_length=100)
    reporter: str = Field("", max_length=60)
    reporter_contact: str = Field("", max_length=60)
    economic_loss_yuan: int | None = Field(None, description="直接经济损失 (yuan)")
    scope: str = Field("", max_length=1000)
    measures: str = Field("", max_length=2000)
    leader_on_site: str = Field("", max_length=100)
    sensitive: bool = False
    learned_from_other_channel: bool = Field(False, description="learned from media/superiors, not the unit")
    grade: int | None = Field(None, ge=1, le=4, description="confirmed grade 1..4; default: the suggestion")
    grade_override_reason: str = Field("", max_length=500)
    external_ref: str = Field("", max_length=80)
    first_report: bool = Field(False, description="also record the 首报 now")
    first_report_channel: Literal["phone", "written"] = "written"


class IncidentUpdate(Figures):
    """Facts learned later; a casualty change asks for an immediate 续报."""

    place: str | None = Field(None, max_length=200)
    scope: str | None = Field(None, max_length=1000)
    measures: str | None = Field(None, max_length=2000)
    leader_on_site: str | None = Field(None, max_length=100)
    economic_loss_yuan: int | None = None
    sensitive: bool | None = None


class GradeIn(BaseModel):
    grade: int = Field(ge=1, le=4)
    reason: str = Field("", max_length=500, description="required when it differs from the suggestion")


class ReportIn(Figures):
    kind: Literal["first", "followup", "final"]
    channel: Literal["phone", "written"] = "written"
    content: str = Field("", max_length=8000)
    reported_at: datetime | None = Field(None, description="default: now")
    send_upward: bool = Field(True, description="deliver to the city duty room")
    situation: str | None = Field(None, max_length=2000)
    handling: str | None = Field(None, max_length=2000)
    cause: str | None = Field(None, max_length=2000)
    aftermath: str | None = Field(None, max_length=2000)
    confirm_unverified: bool = Field(False, description="a 终报 with figures still 待核实: say so knowingly (flagged)")


class PhoneLogIn(BaseModel):
    at: datetime
    caller: str = Field(min_length=1, max_length=100)
    caller_phone: str = Field("", max_length=40)
    content: str = Field(min_length=1, max_length=4000)
    already_told: str = Field("", max_length=200)
    incident_id: uuid.UUID | None = None


class ItemIn(BaseModel):
    unit_id: uuid.UUID
    lead: bool = True
    urgency: Literal["urgent", "general"] = "general"


class InstructionIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    by_name: str = Field(min_length=1, max_length=120)
    by_person_id: uuid.UUID | None = None
    at: datetime | None = None
    report_id: uuid.UUID | None = None
    items: list[ItemIn] = Field(default_factory=list)


class FeedbackIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class AckIn(BaseModel):
    via: Literal["console", "sms", "voice", "card"] = "console"
    person_id: uuid.UUID | None = Field(None, description="the office records this person's acknowledgement")
    name: str = Field("", max_length=120, description="or names them (one of the people the escalation reaches)")
