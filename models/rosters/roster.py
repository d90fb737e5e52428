"""Duty rosters (值班表): posts, pools, per-unit policy, months, slots, rotation state, holidays."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, Day, UTCDateTime, new_id, utcnow


class DutyPost(SQLModel, table=True):
    """One post of a unit's roster (带班领导 leader, 值班员 officer, or a custom one)."""

    __tablename__ = "duty_post"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=40, description="leader / officer / any code the unit defines")
    label: str = Field(default="", max_length=40, description="zh-CN, e.g. 带班领导")
    count: int = Field(default=1, ge=0)
    holiday_count: int | None = Field(default=None, ge=0)
    flood_count: int | None = Field(default=None, ge=0)
    sort_order: int = 0


class PoolMember(SQLModel, table=True):
    """A person eligible for a post, in rotation order."""

    __tablename__ = "duty_pool_member"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    post_id: uuid.UUID = Field(foreign_key="duty_post.id", index=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    position: int = 0


class UnitRosterPolicy(SQLModel, table=True):
    """Per-unit overrides of the roster rules. NULL (None) means "the rule's default" (rules/rosters/seasons.py,
    rules/rosters/policy.py), so a changed default reaches every unit that did not override it."""

    __tablename__ = "unit_roster_policy"

    unit_id: uuid.UUID = Field(foreign_key="unit.id", primary_key=True)
    handover: str | None = Field(default=None, max_length=5, schema_extra={"pattern": r"^\d{2}:\d{2}$"})
    flood_start: str | None = Field(default=None, max_length=5, schema_extra={"pattern": r"^\d{2}-\d{2}$"})
    flood_end: str | None = Field(default=None, max_length=5, schema_extra={"pattern": r"^\d{2}-\d{2}$"})
    min_rest_hours: int | None = Field(default=None, ge=0, le=24 * 14)
    leader_stays_in_room: bool | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RosterStatus(StrEnum):
    draft = "draft"
    published = "published"


class RosterMonth(SQLModel, table=True):
    """A unit's roster for one month: draft → published, versioned after publication."""

    __tablename__ = "roster_month"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    month: str = Field(max_length=7, index=True, description="YYYY-MM")
    status: RosterStatus = Field(default=RosterStatus.draft)
    version: int = 0  # 0 while a draft; 1 at first publication, +1 per later change
    slots: int = 0  # person-slots stored
    gaps: int = 0  # open gaps at the last check
    generated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: str = Field(default="", max_length=120)
    # the office's own file's title row and footer, kept by the import for print and export (migration 0002g)
    title: str = Field(default="", max_length=200)
    footer: str = Field(default="", max_length=500)


class RosterSlot(SQLModel, table=True):
    """One person on one post in one slot; `why` explains the choice (JSON)."""

    __tablename__ = "roster_slot"
    __table_args__ = (
        Index("ix_roster_slot_unit_day", "unit_id", "day"),
        Index("ix_roster_slot_person_start", "person_id", "starts_at"),
        # "On duty now" across all units reads only this index: a running slot started within the last 24 h.
        Index("ix_roster_slot_on_duty", "starts_at", "ends_at", "unit_id", "post", "person_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    # No foreign keys (0002b_roster_speed): ids come from posts and pools, which have them; the per-row
    # checks cost ~45% of a bulk COPY, and units and people are deactivated, never deleted.
    unit_id: uuid.UUID
    day: date = Field(description="local date the slot starts on")
    idx: int = Field(default=0, description="slot index within the day (0 for 24 h slots)")
    post: str = Field(max_length=40)
    person_id: uuid.UUID
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    day_class: str = Field(default="workday", max_length=8)
    why: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RosterStamp(SQLModel, table=True):
    """A token that changes with every change "on duty now" depends on (slots; names of people and units).

    Set by triggers in the writer's transaction (migration 0002e), and on SQLite by the bulk insert of slots;
    each process keeps its last "on duty now" while the token holds (services/rosters/views.py)."""

    __tablename__ = "roster_stamp"

    name: str = Field(primary_key=True, max_length=40)
    token: str = Field(max_length=40)
    # +1 with every change (migration 0002f); a process that kept the answer at version v rebuilds only the units
    # of `roster_unit_stamp` rows above v, or every unit when `all_at` > v (a change whose units are not known)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    all_at: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class RosterUnitStamp(SQLModel, table=True):
    """The stamp version of the last change of a unit's "on duty now" (its slots, its people's names, its name,
    code or phone); written by the triggers of migration 0002f."""

    __tablename__ = "roster_unit_stamp"

    unit_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class RotationState(SQLModel, table=True):
    """Rotation state of one unit's post after a month (rules.rosters.state.PostState JSON)."""

    __tablename__ = "rotation_state"

    unit_id: uuid.UUID = Field(foreign_key="unit.id", primary_key=True)
    post: str = Field(max_length=40, primary_key=True)
    month: str = Field(max_length=7, primary_key=True, description="state after this month")
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RosterGap(SQLModel, table=True):
    """An open gap found at the last check of a unit-month (an alert until fixed)."""

    __tablename__ = "roster_gap"
    __table_args__ = (Index("ix_roster_gap_day", "day"), Index("ix_roster_gap_unit_day", "unit_id", "day"))

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id")
    day: date
    idx: int = 0
    post: str = Field(max_length=40)
    missing: int = 1
    reason: str = Field(max_length=30)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    text: str = Field(default="", max_length=500)


class HolidayKind(StrEnum):
    holiday = "holiday"
    makeup_workday = "makeup_workday"


class HolidayDayBase(SQLModel):
    day: Day
    kind: HolidayKind
    name: str = Field(default="", max_length=40, description="e.g. Spring Festival / 春节")


class HolidayDayIn(HolidayDayBase):
    """One day of the holiday calendar as the API takes it."""

    model_config = INPUT


class HolidayDay(HolidayDayBase, table=True):
    """The admin holiday table for years the chinesecalendar package does not cover."""

    __tablename__ = "holiday_day"

    day: date = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=120)


class RosterDayNote(SQLModel, table=True):
    """The 备注 of one day of a unit's roster (e.g. 12月24日 平安夜加强值守), kept through import and export."""

    __tablename__ = "roster_day_note"

    unit_id: uuid.UUID = Field(foreign_key="unit.id", primary_key=True)
    day: date = Field(primary_key=True, description="local date")
    note: str = Field(default="", max_length=500)
