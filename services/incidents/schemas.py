"""Input shapes of the incident API, console and CLI (validated again by the rules)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints, ValidationInfo

from models.types import INPUT, Moment
from rules.incidents import Category
from rules.incidents.types import MAX_LOSS_YUAN, UNVERIFIED
from services.incidents import convert


# Validation context for text a person typed (a console form, the command line): a figure written "3" or "3人" is
# read as a count there, while JSON gives a count as a number (`"deaths": "3"` is refused: a client that quotes
# numbers has a bug worth hearing about). `Model.model_validate(data, context=TYPED)`.
TYPED = {"typed": True}


def _figure(value, info: ValidationInfo):
    """The one reading of a figure (convert.parse_figure), as the schema's '待核实' literal; counts as text only when
    typed (TYPED)."""
    v = convert.parse_figure(value)
    if isinstance(value, str) and isinstance(v, int) and not (info.context or {}).get("typed"):
        raise ValueError("须为数字（不加引号）或“待核实” (must be a JSON number, not text, or unverified)")
    return "待核实" if v is UNVERIFIED else v


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("不能为空 (must not be blank)")
    return value


def Required(max_length: int):  # noqa: N802  (a type, used like one)
    """Required text: surrounding spaces stripped, and then not empty (a title of spaces is no title)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(_not_blank)]


def Text(max_length: int):  # noqa: N802
    """Optional text: surrounding spaces stripped (a field of spaces is an empty one)."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length)]


Figure = Annotated[int | Literal["待核实"] | None, BeforeValidator(_figure)]


class Figures(BaseModel):
    model_config = INPUT

    deaths: Figure = Field(None, description="死亡: a count, '待核实', or null (not stated)")
    seriously_injured: Figure = Field(None, description="重伤")
    injured: Figure = Field(None, description="受伤")
    missing: Figure = Field(None, description="失联")


class IncidentIn(Figures):
    """What intake accepts: only title, category, unit and 接报 time are required."""

    title: Required(200)
    category: Category
    type: Text(60) = Field("", description="e.g. 山体滑坡")
    unit_id: uuid.UUID | None = Field(None, description="reporting unit (or unit_code)")
    unit_code: str | None = Field(None, max_length=40)
    occurred_at: Moment | None = None
    received_at: Moment = Field(description="接报 time, with time zone")
    place: Text(200) = Field("")
    source: Text(100) = Field("")
    reporter: Text(60) = Field("")
    reporter_contact: Text(60) = Field("")
    economic_loss_yuan: int | None = Field(None, ge=0, le=MAX_LOSS_YUAN, description="直接经济损失 (yuan)")
    scope: Text(1000) = Field("")
    measures: Text(2000) = Field("")
    leader_on_site: Text(100) = Field("")
    sensitive: bool = False
    learned_from_other_channel: bool = Field(False, description="learned from media/superiors, not the unit")
    grade: int | None = Field(None, ge=1, le=4, description="confirmed grade 1..4; default: the suggestion")
    grade_override_reason: Text(500) = Field("")
    external_ref: Text(80) = Field("")
    first_report: bool = Field(False, description="also record the 首报 now")
    first_report_channel: Literal["phone", "written"] = "written"


class IncidentUpdate(Figures):
    """Facts learned later; a casualty change asks for an immediate 续报."""

    place: str | None = Field(None, max_length=200)
    scope: str | None = Field(None, max_length=1000)
    measures: str | None = Field(None, max_length=2000)
    leader_on_site: str | None = Field(None, max_length=100)
    economic_loss_yuan: int | None = Field(None, ge=0, le=MAX_LOSS_YUAN)
    sensitive: bool | None = None


class GradeIn(BaseModel):
    model_config = INPUT

    grade: int = Field(ge=1, le=4)
    reason: str = Field("", max_length=500, description="required when it differs from the suggestion")


class ReportIn(Figures):
    kind: Literal["first", "followup", "final"]
    channel: Literal["phone", "written"] = "written"
    content: Text(8000) = ""
    reported_at: Moment | None = Field(None, description="default: now")
    send_upward: bool = Field(True, description="deliver to the city duty room")
    situation: Text(2000) | None = None
    handling: Text(2000) | None = None
    cause: Text(2000) | None = None
    aftermath: Text(2000) | None = None
    confirm_unverified: bool = Field(False, description="a 终报 with figures still 待核实: say so knowingly (flagged)")


class PhoneLogIn(BaseModel):
    model_config = INPUT

    at: Moment
    caller: Required(100)
    caller_phone: str = Field("", max_length=40)
    content: Required(4000)
    already_told: str = Field("", max_length=200)
    incident_id: uuid.UUID | None = None


class ItemIn(BaseModel):
    model_config = INPUT

    unit_id: uuid.UUID
    lead: bool = True
    urgency: Literal["urgent", "general"] = "general"


class InstructionIn(BaseModel):
    model_config = INPUT

    text: Required(4000)
    by_name: Required(120)
    by_person_id: uuid.UUID | None = None
    at: Moment | None = None
    report_id: uuid.UUID | None = None
    items: list[ItemIn] = Field(default_factory=list)  # the older shape: each item says whether it leads
    lead_unit_id: uuid.UUID | None = None  # 牵头单位 (one)
    assist_unit_ids: list[uuid.UUID] = Field(default_factory=list)  # 配合单位 (several, not the lead)
    urgency: Literal["urgent", "general"] = "general"  # for the units named by lead_unit_id / assist_unit_ids


class FeedbackIn(BaseModel):
    model_config = INPUT

    text: Required(4000)


class AckIn(BaseModel):
    model_config = INPUT

    via: Literal["console", "sms", "voice", "card"] = "console"
    person_id: uuid.UUID | None = Field(None, description="the office records this person's acknowledgement")
    name: str = Field("", max_length=120, description="or names them (one of the people the escalation reaches)")
