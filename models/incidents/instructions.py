"""Leaders' instructions (领导批示) and their forwarding to units (转办) with feedback (反馈)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, new_id, utcnow


class Instruction(SQLModel, table=True):
    """A leader's instruction on an incident or one of its reports."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    incident_id: uuid.UUID = Field(foreign_key="incident.id", index=True)
    report_id: uuid.UUID | None = Field(default=None, foreign_key="incident_report.id")
    text: str = Field(max_length=4000)
    by_name: str = Field(max_length=120, description="the leader who gave it")
    by_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InstructionItem(SQLModel, table=True):
    """One unit's part of an instruction (转办), open until its feedback is accepted."""

    __tablename__ = "instruction_item"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    instruction_id: uuid.UUID = Field(foreign_key="instruction.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    lead: bool = Field(default=True, description="lead unit (牵头) or supporting (配合)")
    urgency: str = Field(default="general", max_length=10, description="urgent | general")
    forwarded_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default="forwarded", max_length=20, index=True,
                        description="forwarded | feedback_received | closed")
    feedback_text: str = Field(default="", max_length=4000)
    feedback_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback_by: str = Field(default="", max_length=120)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by: str = Field(default="", max_length=120)
    reminders_sent: int = Field(default=0, description="alarms of rules.incidents.instructions.reminder_times already sent")
    last_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
