"""Escalation state per incident, acknowledgements, signed ack links and the notification log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, new_id, utcnow


class EscalationState(SQLModel, table=True):
    """Where an incident's escalation stands; `seq` (steps fired) is the fencing token."""

    __tablename__ = "escalation_state"

    incident_id: uuid.UUID = Field(foreign_key="incident.id", primary_key=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    seq: int = Field(default=0, description="steps fired so far; claim with UPDATE ... WHERE seq = :seq")
    last_fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True,
                                         description="when the engine must look again; None when finished")
    status: str = Field(default="active", max_length=12, description="active | stopped | exhausted")
    claimed_by: str = Field(default="", max_length=80, description="the instance that fired the last step")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ack_realerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description=(
        "acknowledged, then no 续报 or feedback within the policy's ack timeout: when that re-alert went out"))


class Acknowledgement(SQLModel, table=True):
    """One person's acknowledgement of an incident (确认收到), or a duty officer's receipt (签收) of it.

    One row per person and kind: acknowledging twice changes nothing. Only `kind == "ack"` from someone the
    escalation reached (or their acting person) can stop a step; a receipt never does."""

    __tablename__ = "incident_ack"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "who"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    incident_id: uuid.UUID = Field(foreign_key="incident.id", index=True)
    kind: str = Field(default="ack", max_length=10, description="ack (确认收到) | receipt (签收)")
    who: str = Field(default="", max_length=160, description="person:<id> or user:<name>: one row each")
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    name: str = Field(max_length=120)
    at: datetime = Field(sa_type=UTCDateTime)
    via: str = Field(max_length=20, description="link (a text message's) | inbox_link | wecom_link | dingtalk_link | "
                     "feishu_link | email_link | msg_link | console | sms | voice | card")
    seconds_to_ack: int = Field(description="from 接报")
    step_seq: int | None = Field(default=None, description="steps fired when it came (0: before the first)")
    stopped: bool = Field(default=False, description="this acknowledgement stopped the escalation")
    recorded_by: str = Field(default="", max_length=120, description="who entered it (the office for a phoned ack)")


class AckToken(SQLModel, table=True):
    """A signed, expiring, single-use acknowledgement link; only its hash is stored."""

    __tablename__ = "ack_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    incident_id: uuid.UUID = Field(foreign_key="incident.id", index=True)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notice(SQLModel, table=True):
    """One message sent for an incident (timeline); `key` is the delivery idempotency key."""

    __tablename__ = "incident_notice"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    incident_id: uuid.UUID | None = Field(default=None, foreign_key="incident.id", index=True)
    purpose: str = Field(max_length=20, description="escalation | upward | deadline | instruction | brief | alert")
    step_seq: int | None = None
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    recipient: str = Field(max_length=120, description="name shown on the timeline")
    address: str = Field(default="", max_length=200)
    acting_for: str = Field(default="", max_length=120, description="the person on leave this replaces")
    for_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id",
                                            description="the person on leave this replaces")
    channel: str = Field(max_length=20)
    ladder: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=4000)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    delivery_id: str = Field(default="", max_length=64, description="the outbox row, when the pipeline is present")
    figures: list[dict] | None = Field(default=None, sa_column=Column(JSON, nullable=True), description=(
        "a 续报/终报 notice: the figures told, [{name, value: count | 待核实 | null}]; null for other messages"))


class PolicyRuleRow(SQLModel, table=True):
    """An escalation policy (升级策略) and when it applies; enabled rows are tried by `position`, first match wins."""

    __tablename__ = "escalation_policy_rule"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    position: int = Field(default=100, index=True, description="lower is tried first")
    name: str = Field(max_length=60, unique=True)
    categories: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True),
                                         description="rules.incidents.Category values; null: any")
    min_grade: int | None = Field(default=None, description="1..4: this grade or more severe; null: any")
    sensitive: bool | None = Field(default=None, description="null: either")
    steps: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                              description="[{targets: [{kind, ref}], channels: [...], wait_minutes}]")
    repeat: int = Field(default=0, description="extra passes over all steps")
    start_delay_minutes: float = 0
    ack_timeout_minutes: float | None = Field(default=None, description=(
        "acknowledged but no 续报 or instruction feedback within this many minutes: re-alert; null: never"))
    enabled: bool = True
    version: int = Field(default=1, description="1 at creation, +1 at every edit; each in escalation_policy_version")
    created_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str = Field(default="", max_length=120)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime,
                                 description="last edit, enable or disable (the rules' cache watches it)")


class PolicyVersionRow(SQLModel, table=True):
    """One version of an escalation policy as it was saved: the history an edit never overwrites."""

    __tablename__ = "escalation_policy_version"
    __table_args__ = (UniqueConstraint("policy_id", "version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    policy_id: uuid.UUID = Field(foreign_key="escalation_policy_rule.id", index=True)
    version: int
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                       description="the policy's fields as saved (name, match, steps, waits)")
    note: str = Field(default="", max_length=200, description="why it changed, as the editor said")
    created_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
