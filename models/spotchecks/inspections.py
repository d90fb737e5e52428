"""Video roll-calls (视频点名), on-site inspections (实地检查), circulars (通报), explanations, duty reminders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, Moment, UTCDateTime, new_id, utcnow


class VideoRollCall(SQLModel, table=True):
    """A video roll-call; `units` holds [{unit_id, present, outcome, note}]."""

    __tablename__ = "video_roll_call"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    held_at: datetime = Field(sa_type=UTCDateTime, index=True)
    title: str = Field(default="", max_length=120)
    units: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    findings: str = Field(default="", max_length=2000)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="video_roll_call.id")


class Inspection(SQLModel, table=True):
    """An on-site inspection of duty rooms."""

    __tablename__ = "inspection"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    held_at: datetime = Field(sa_type=UTCDateTime, index=True)
    inspectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    places: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(default="normal", max_length=40, description="rules.spotchecks.outcomes.Outcome where it applies")
    findings: str = Field(default="", max_length=4000)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id")


class InspectionAttachment(SQLModel, table=True):
    """A photo or PDF of an inspection, stored under data_dir/attachments by its SHA-256."""

    __tablename__ = "inspection_attachment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=60)
    size: int
    sha256: str = Field(max_length=64, index=True)
    path: str = Field(max_length=300, description="relative to settings.data_dir")
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Circular(SQLModel, table=True):
    """A monthly circular (通报) of spot-check results."""

    __tablename__ = "circular"
    __table_args__ = (UniqueConstraint("year", "month"), UniqueConstraint("number_year", "number_seq"))

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    year: int
    month: int
    summary: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    doc_path: str = Field(default="", max_length=300)
    doc_sha256: str = Field(default="", max_length=64)
    content: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True),
                                           description="the issued circular as printed (title, intro, rows, ...): "
                                           "frozen, never recomputed; None for circulars issued before it was kept")
    doc_number: str = Field(default="", max_length=80,
                            description="文号 as issued (城口府办值〔2026〕3号); empty for circulars issued before")
    number_year: int | None = Field(default=None, description="the 文号's year (the year of issue)")
    number_seq: int | None = Field(default=None, description="the 文号's number within its year, from 1")
    issued_by: str = Field(max_length=120)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExplanationRequest(SQLModel, table=True):
    """A unit that failed twice in a quarter: its head explains in writing (书面说明)."""

    __tablename__ = "explanation_request"
    __table_args__ = (UniqueConstraint("unit_id", "year", "quarter"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    year: int
    quarter: int
    failures: int
    head_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    circular_id: uuid.UUID | None = Field(default=None, foreign_key="circular.id")
    delivery_id: str = Field(default="", max_length=64)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True,
                                    description="the explanation is due by then (None: requested before due dates)")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                         description="when the head was reminded of an overdue explanation")
    status: str = Field(default="requested", max_length=20, index=True, description="requested / answered")
    answer: str = Field(default="", max_length=4000)
    answered_by: str = Field(default="", max_length=120)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReminderNotice(SQLModel, table=True):
    """A duty reminder notice (值班工作提醒) issued to all units; counted in the yearly report."""

    __tablename__ = "reminder_notice"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    issue_no: int = Field(description="期号 within the year")
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=8000)
    issued_at: datetime = Field(sa_type=UTCDateTime, index=True)
    issued_by: str = Field(max_length=120)


class RollCallUnit(SQLModel):
    model_config = INPUT

    unit_id: uuid.UUID
    present: bool
    outcome: str = Field(default="", max_length=40, description="rules.spotchecks.outcomes.Outcome where it applies")
    note: str = Field(default="", max_length=300)


class VideoRollCallCreate(SQLModel):
    model_config = INPUT

    held_at: Moment
    title: str = Field(default="", max_length=120)
    units: list[RollCallUnit] = Field(min_length=1)
    findings: str = Field(default="", max_length=2000)


class InspectionCreate(SQLModel):
    model_config = INPUT

    held_at: Moment
    inspectors: list[str] = Field(min_length=1)
    places: list[str] = Field(min_length=1)
    unit_ids: list[uuid.UUID] = Field(default_factory=list)
    outcome: str = Field(default="normal", max_length=40)
    findings: str = Field(default="", max_length=4000)


class ReminderNoticeCreate(SQLModel):
    model_config = INPUT

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=8000)
    issued_at: Moment | None = None
