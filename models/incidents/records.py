"""Incidents (突发事件), their report chain (首报/续报/终报), phone intake log and deadlines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, new_id, utcnow


class Incident(SQLModel, table=True):
    """One incident as the office knows it; the escalation policy is frozen on it when it opens."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    title: str = Field(max_length=200)
    category: str = Field(max_length=30, index=True, description="rules.incidents.Category value")
    type: str = Field(default="", max_length=60, description="e.g. 山体滑坡")
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True, description="the reporting unit")
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True, description="接报: the clock starts here")
    place: str = Field(default="", max_length=200)
    source: str = Field(default="", max_length=100)
    reporter: str = Field(default="", max_length=60)
    reporter_contact: str = Field(default="", max_length=60)
    deaths: int | None = None
    deaths_unverified: bool = False
    seriously_injured: int | None = None
    seriously_injured_unverified: bool = False
    injured: int | None = None
    injured_unverified: bool = False
    missing: int | None = None
    missing_unverified: bool = False
    economic_loss_yuan: int | None = None
    scope: str = Field(default="", max_length=1000)
    measures: str = Field(default="", max_length=2000)
    leader_on_site: str = Field(default="", max_length=100)
    sensitive: bool = False
    learned_from_other_channel: bool = False
    suggested_grade: int | None = Field(default=None, description="1..4 (I..IV); None: graded by hand")
    suggested_reason: str = Field(default="", max_length=500)
    suggested_basis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                            description="the suggestion's reason as data (GradeSuggestion.basis)")
    grade: int | None = Field(default=None, index=True, description="confirmed grade 1..4")
    grade_override_reason: str = Field(default="", max_length=500)
    grade_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                                description="when the office last confirmed the grade (确认定级)")
    status: str = Field(default="open", max_length=10, index=True, description="open | closed | merged")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="incident.id", index=True, description=(
        "merged (同一事件): the incident kept, of which this one is now a source; never a chain"))
    merged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_by: str = Field(default="", max_length=120)
    escalation_policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str = Field(default="", max_length=120)
    external_ref: str = Field(default="", max_length=80, description="id in the posting system, e.g. 12345")
    created_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    """One report in the chain: 首报, 续报N, 终报; `elements` keeps what it said."""

    __tablename__ = "incident_report"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    incident_id: uuid.UUID = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=10, description="first | followup | final")
    number: int = Field(default=0, description="N of 续报N; 0 for first/final")
    channel: str = Field(default="written", max_length=10, description="phone | written")
    content: str = Field(default="", max_length=8000)
    reported_at: datetime = Field(sa_type=UTCDateTime)
    sent_upward_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                            description="queued upward; whether it arrived is the delivery's state")
    upward_sends: int = Field(default=0, description="upward deliveries queued (1 + re-sends)")
    phoned_upward_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                              description="reported upward by phone instead (电话报告)")
    phoned_upward_by: str = Field(default="", max_length=120, description="who phoned")
    phoned_upward_to: str = Field(default="", max_length=120, description="whom they reached")
    phoned_recorded_by: str = Field(default="", max_length=120)
    late_minutes: int | None = Field(default=None, description="迟报: minutes past its deadline")
    elements: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PhoneLog(SQLModel, table=True):
    """The office's own phone intake log (来电登记)."""

    __tablename__ = "incident_phone_log"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    caller: str = Field(max_length=100)
    caller_phone: str = Field(default="", max_length=40)
    content: str = Field(max_length=4000)
    already_told: str = Field(default="", max_length=200, description="who they already told")
    recorder: str = Field(max_length=120)
    incident_id: uuid.UUID | None = Field(default=None, foreign_key="incident.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Deadline(SQLModel, table=True):
    """A report deadline; the row is the truth, alarms are marked on it once sent."""

    __tablename__ = "incident_deadline"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    incident_id: uuid.UUID = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=20, description="phone | written | followup | casualty_change | unverified")
    element: str = Field(default="", max_length=30, description="the 待核实 figure, for unverified reminders")
    text: str = Field(default="", max_length=300)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    met_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    met_by: uuid.UUID | None = Field(default=None, foreign_key="incident_report.id")
    late_minutes: int | None = None
    warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="pre-deadline alarm sent")
    alarmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="at-deadline alarm sent")
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str = Field(default="", max_length=20, description=(
        "merged: its incident was merged into another; final: the 终报 came (nothing more due)"))
    created_at: datetime = Field(sa_type=UTCDateTime)
