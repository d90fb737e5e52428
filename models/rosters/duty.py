"""Day-to-day duty work: shift swaps (换班), handovers (交接班), the duty log, reminders sent, iCal feed tokens."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, UTCDateTime, new_id, utcnow


class SwapStatus(StrEnum):
    requested = "requested"  # waiting for the counterpart
    confirmed = "confirmed"  # waiting for the approver
    approved = "approved"  # applied to the roster
    rejected = "rejected"
    cancelled = "cancelled"


class SwapCreate(SQLModel):
    model_config = INPUT

    slot_id: int = Field(description="the requester's slot")
    counterpart_id: uuid.UUID = Field(description="who takes it over")
    counterpart_slot_id: int | None = Field(default=None, description="a slot given back in exchange")
    reason: str = Field(default="", max_length=500)


class Swap(SQLModel, table=True):
    """A shift swap (换班): requester → counterpart confirms → approver approves."""

    __tablename__ = "roster_swap"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    slot_id: int = Field(index=True)
    requester_id: uuid.UUID = Field(foreign_key="person.id")
    counterpart_id: uuid.UUID = Field(foreign_key="person.id")
    counterpart_slot_id: int | None = None
    day: date
    post: str = Field(max_length=40)
    reason: str = Field(default="", max_length=500)
    status: SwapStatus = SwapStatus.requested
    override: bool = False  # registered by the duty office without the usual steps
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    requested_by: str = Field(default="", max_length=120)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=120)


class Handover(SQLModel, table=True):
    """交接班: the incoming person signs; open items carry over to the next handover."""

    __tablename__ = "handover"
    __table_args__ = (UniqueConstraint("unit_id", "day", "idx"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    day: date = Field(description="the incoming slot's local date")
    idx: int = 0
    outgoing_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    incoming_id: uuid.UUID = Field(foreign_key="person.id")
    notes: str = Field(default="", max_length=2000)
    open_items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DutyLogEntry(SQLModel, table=True):
    """值班日志: a call, event or note logged during a slot."""

    __tablename__ = "duty_log_entry"
    __table_args__ = (Index("ix_duty_log_unit_day", "unit_id", "day"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id")
    day: date
    idx: int = 0
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="note", max_length=20, description="call / event / note")
    content: str = Field(max_length=2000)
    created_by: str = Field(default="", max_length=120)


class RosterReminder(SQLModel, table=True):
    """A reminder or duty notice sent; `key` is unique so a re-run never sends twice."""

    __tablename__ = "roster_reminder"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20, description="tomorrow / holiday_notice / flood_notice")
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    channel: str = Field(default="inbox", max_length=40)
    delivery_id: str = Field(default="", max_length=64, description="the delivery row, when the pipeline took it")
    sent_at: datetime = Field(sa_type=UTCDateTime, index=True)


class FeedToken(SQLModel, table=True):
    """A secret iCal subscription URL for one person or one unit (only the hash is kept)."""

    __tablename__ = "roster_feed_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=10, description="person / unit")
    ref_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=120)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
