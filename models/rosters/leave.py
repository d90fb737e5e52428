"""Leave reports (请假报备) of leading cadres and absences of anyone; pairs who must not be away together."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, Day, UTCDateTime, new_id, utcnow


class LeaveHalf(StrEnum):
    am = "am"  # 上午
    pm = "pm"  # 下午


class LeaveStatus(StrEnum):
    pending_approval = "pending_approval"  # flood season, unit heads
    filed = "filed"  # reported (报备), in force
    returned = "returned"  # 销假
    cancelled = "cancelled"


class LeaveBase(SQLModel):
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    start_day: Day
    start_half: LeaveHalf = LeaveHalf.am
    end_day: Day
    end_half: LeaveHalf = LeaveHalf.pm
    destination: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=500)
    contact: str = Field(default="", max_length=60)
    arrangements: str = Field(default="", max_length=1000, description="work arrangements 工作安排")
    acting_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", description="主持工作")
    abroad: bool = False
    together_reason: str = Field(default="", max_length=500)
    urgent: bool = Field(default=False, description="急事: same-day or after-the-fact, flagged for review")
    urgent_reason: str = Field(default="", max_length=500, description="why it could not be reported ahead")


class LeaveCreate(LeaveBase):
    model_config = INPUT

    pass


class LeaveReport(LeaveBase, table=True):
    """A leave report (请假报备); closed by 销假 (`returned_at`)."""

    __tablename__ = "leave_report"
    __table_args__ = (Index("ix_leave_report_days", "start_day", "end_day"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    status: LeaveStatus = LeaveStatus.filed
    needs_approval: bool = False
    needs_review: bool = Field(default=False, description="an urgent (急事) report, for the office to review")
    approved_by: str = Field(default="", max_length=120)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    filed_by: str = Field(default="", max_length=120)


class LeavePair(SQLModel, table=True):
    """Two people who must not be away together (head and executive deputy, …)."""

    __tablename__ = "leave_pair"
    __table_args__ = (UniqueConstraint("person_a", "person_b"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_a: uuid.UUID = Field(foreign_key="person.id")
    person_b: uuid.UUID = Field(foreign_key="person.id")
