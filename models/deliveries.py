"""The delivery outbox (发送队列): configured channels, one row per message per channel, every try."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from models.types import INPUT, UTCDateTime, new_id, utcnow

NAME_RE = r"^[a-z0-9_][a-z0-9_.-]{0,39}$"


class DeliveryState(StrEnum):
    queued = "queued"  # due at due_at
    sending = "sending"  # claimed by a worker (claim_token fences it)
    sent = "sent"  # the provider took it
    delivered = "delivered"  # the provider (or the inbox) confirmed arrival
    failed = "failed"  # given up on this channel; `superseded_by` names the next rung if any
    unknown = "unknown"  # a worker died mid-send: never resent blindly
    cancelled = "cancelled"  # acknowledged elsewhere, or withdrawn


FINAL_STATES = frozenset({DeliveryState.sent, DeliveryState.delivered, DeliveryState.failed,
                          DeliveryState.unknown, DeliveryState.cancelled})


class ChannelConfigBase(SQLModel):
    name: str = Field(min_length=1, max_length=40, schema_extra={"pattern": NAME_RE},
                      description="the name messages and callbacks use, e.g. wecom_main")
    kind: str = Field(min_length=1, max_length=40, description="notifier kind from `dutydesk notifiers list`")
    title: str = Field(default="", max_length=100, description="shown in the console")
    enabled: bool = Field(default=True)
    account: str = Field(default="", max_length=100,
                         description="provider account; channels sharing one share its concurrency limit")
    max_concurrency: int = Field(default=16, ge=1, le=512, description="sends in flight on this channel")
    rate_count: int | None = Field(default=None, ge=1, le=100_000, description=(
        "messages the provider allows per `rate_seconds` on this account (e.g. 20 a minute per WeCom robot); "
        "empty: the plugin's published limit"))
    rate_seconds: float | None = Field(default=None, gt=0, le=86_400, description="the window of `rate_count`")


class ChannelConfigCreate(ChannelConfigBase):
    model_config = INPUT

    config: dict[str, Any] = Field(default_factory=dict, description="the plugin's declared config")


class ChannelConfigUpdate(SQLModel):
    model_config = INPUT

    title: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None
    account: str | None = Field(default=None, max_length=100)
    max_concurrency: int | None = Field(default=None, ge=1, le=512)
    rate_count: int | None = Field(default=None, ge=1, le=100_000)
    rate_seconds: float | None = Field(default=None, gt=0, le=86_400)
    config: dict[str, Any] | None = Field(default=None, description="secrets left as '***' keep their value")


class ChannelConfig(ChannelConfigBase, table=True):
    """A configured channel instance; secret fields of `config` are stored encrypted."""

    __tablename__ = "channel_config"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=40)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelConfigPublic(ChannelConfigBase):
    id: uuid.UUID
    config: dict[str, Any] = Field(description="secrets shown as '***'")
    updated_at: datetime


class Delivery(SQLModel, table=True):
    """One message to one recipient over one channel: the outbox row (invariant 3)."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "state", "due_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    group_key: str = Field(max_length=300, index=True, description="source:source_id:step:recipient (all rungs)")
    source: str = Field(max_length=40, index=True, description="incident / reminder / spot_check / test ...")
    source_id: str = Field(default="", max_length=64, index=True)
    step: str = Field(default="", max_length=40)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", index=True, description=(
        "a message to a unit as a whole (no person, e.g. a deadline alarm to the county office): on an inbox "
        "channel its duty officers read it (services.access.Actor.inbox_unit)"))
    recipient: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                      description="notifiers.base.Recipient snapshot at enqueue time")
    channel: str = Field(max_length=40, index=True)
    ladder: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                              description="channel names to fall back through, this one included")
    subject: str = Field(default="", max_length=200)
    text: str = Field(default="")
    markdown: str | None = Field(default=None)
    voice_text: str | None = Field(default=None)
    ack_url: str | None = Field(default=None, max_length=500)
    template_code: str | None = Field(default=None, max_length=64)
    template_params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=DeliveryState.queued.value, max_length=12, description="a DeliveryState value")
    attempts: int = Field(default=0)
    max_attempts: int | None = Field(default=None, ge=1, description=(
        "retryable tries per channel before the dispatcher gives up on it (no-answer/busy/5xx); set by the "
        "enqueuer, e.g. 1 for spot-check calls whose rules own their retries; None: the pipeline's default"))
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=100)
    claim_token: uuid.UUID | None = Field(default=None)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_message_id: str | None = Field(default=None, max_length=200, index=True)
    last_error: str = Field(default="", max_length=1000)
    superseded_by: uuid.UUID | None = Field(default=None, description="the next rung of the ladder, if it went on")
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="key press / reply / card ack")
    ack_detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryPublic(SQLModel):
    id: uuid.UUID
    idempotency_key: str
    source: str
    source_id: str
    step: str
    person_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    recipient: dict[str, Any]
    channel: str
    ladder: list[str]
    subject: str
    text: str
    ack_url: str | None
    state: str
    attempts: int
    max_attempts: int | None
    due_at: datetime
    provider_message_id: str | None
    last_error: str
    superseded_by: uuid.UUID | None
    acked_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


class DeliveryAttempt(SQLModel, table=True):
    """One try of one delivery: what came back and how long it took."""

    __tablename__ = "delivery_attempt"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="delivery.id", index=True)
    group_key: str = Field(max_length=300, index=True)
    channel: str = Field(max_length=40)
    outcome: str = Field(max_length=16, description="delivered / sent / retryable / permanent / unknown / throttled")
    error: str = Field(default="", max_length=1000)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    duration_ms: int = Field(default=0)


class CallbackEvent(SQLModel, table=True):
    """A provider callback event already applied, by the provider's event id: a replay is recognised and adds
    nothing (`services/deliveries/receipts.py`). Rows older than the housekeeping horizon are purged."""

    __tablename__ = "callback_event"

    channel: str = Field(primary_key=True, max_length=40)
    event_id: str = Field(primary_key=True, max_length=200, description="the provider's id, or a digest of the "
                          "receipt's own fields when the provider sends none")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ProviderWindow(SQLModel, table=True):
    """One provider account's sliding window of recent sends, shared by every engine (发送频率窗口).

    `stamps` holds the send times (epoch seconds) inside the window; a send takes a slot by a conditional
    UPDATE on `version`, so engines on other machines never exceed the provider's limit together.
    `held_until` is the provider's own word (HTTP 429 Retry-After, 服务商要求暂停): no engine sends on the
    account before it."""

    __tablename__ = "provider_window"

    key: str = Field(primary_key=True, max_length=200, description="kind:account:limit:address")
    stamps: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=0)
    held_until: float | None = Field(default=None, description="epoch seconds: the provider asked for a pause")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
