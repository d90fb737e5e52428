"""The adapter to the delivery pipeline: place an automated spot-check call, notify a unit head."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, select

from core.settings import SpotCheckSettings
from models.deliveries import ChannelConfig, ChannelConfigCreate, Delivery
from models.directory import Person, Unit
from models.spotchecks.checks import IvrAttempt, PlannedCheck
from notifiers.simulated_voice import in_production
from services.deliveries.channels import create_channel
from services.deliveries.outbox import enqueue
from services.deliveries.render import COLLECT

VOICE_KINDS = ("aliyun_vms", "twilio_voice", "simulated_voice")  # simulated_voice: the demo's, never production
SOURCE = "spot_check"


def voice_channel(session: Session, cfg: SpotCheckSettings) -> str | None:
    """The configured channel name that places calls, or None when no voice channel is enabled."""
    wanted = cfg.voice_channel
    q = select(ChannelConfig).where(ChannelConfig.enabled)
    rows = session.exec(q.order_by(ChannelConfig.name)).all()
    for row in rows:
        if row.name == wanted or (row.kind == wanted and wanted in VOICE_KINDS):
            return row.name
    return next((r.name for r in rows if r.kind in VOICE_KINDS), None)


def voice_available(session: Session, cfg: SpotCheckSettings) -> bool:
    return voice_channel(session, cfg) is not None


def place_via_deliveries(session: Session, attempt: IvrAttempt, planned: PlannedCheck, unit: Unit,
                         now: datetime, cfg: SpotCheckSettings) -> str:
    """Queue the call in the outbox (idempotent per attempt); the dispatcher places it once.

    max_attempts=1: the dispatcher never redials on no answer / busy; the spot-check rules own the retries.
    """
    channel = voice_channel(session, cfg)
    if channel is None:
        raise LookupError("no voice channel configured")
    delivery = enqueue(
        session=session, source=SOURCE, source_id=planned.id, step=f"ivr{attempt.attempt_no}", channel=channel,
        address=unit.duty_phone, recipient={"name": f"{unit.name}值班室"}, subject=f"{unit.name} 值班抽查",
        text=cfg.tts_text, voice_text=cfg.tts_text, due_at=attempt.due_at, now=now,
        max_attempts=1, template_params={COLLECT: "code"} if cfg.require_duty_code else None,
    )
    return str(delivery.id)


# Tests and special deployments may swap the placer (e.g. a direct call to a loopback peer).
Placer = Callable[[Session, IvrAttempt, PlannedCheck, Unit, datetime, SpotCheckSettings], str]
placer: Placer = place_via_deliveries


def delivery_state(session: Session, delivery_id: str):
    """The outbox row of an attempt, or None (another placer)."""
    try:
        return session.get(Delivery, uuid.UUID(delivery_id))
    except ValueError:
        return None


def notify_person(session: Session, person: Person, *, source_id: uuid.UUID, step: str, subject: str, text: str,
                  now: datetime) -> str:
    """Send a message to a person on their usual channels; '' when no channel exists."""
    channels = session.exec(select(ChannelConfig.name).where(ChannelConfig.enabled)
                            .where(ChannelConfig.kind.not_in(VOICE_KINDS)).order_by(ChannelConfig.name)).all()
    if not channels:
        return ""
    d = enqueue(session=session, source=SOURCE, source_id=source_id, step=step, ladder=list(channels), person=person,
                subject=subject, text=text, now=now)
    return str(d.id)


def add_demo_voice(session: Session, *, name: str, key: str, actor: str, config: dict) -> str | None:
    """The demo's simulated voice channel (never real calls); None in production, where it is refused."""
    if in_production():
        return None
    if session.exec(select(ChannelConfig).where(ChannelConfig.name == name)).first() is None:
        create_channel(session=session, actor=actor, key=key, data=ChannelConfigCreate(
            name=name, kind="simulated_voice", title="模拟语音（演示用，不拨打真实电话）", config=config))
    return name
