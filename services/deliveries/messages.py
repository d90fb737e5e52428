"""Reading the outbox as people do: the message list (发送记录), one message with its tries, a person's inbox."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from core.errors import NotFound
from models.accounts import Role
from models.deliveries import Delivery, DeliveryAttempt, DeliveryState
from services.access import Actor
from services.deliveries.channels import list_channels


def message_list(*, session: Session, state: str = "", channel: str = "", source: str = "",
                 limit: int = 300) -> list[Delivery]:
    """The newest messages, optionally of one state, channel or source (the duty office's view)."""
    q = select(Delivery)
    if state in {s.value for s in DeliveryState}:
        q = q.where(Delivery.state == state)
    if channel:
        q = q.where(Delivery.channel == channel)
    if source:
        q = q.where(Delivery.source == source)
    return list(session.exec(q.order_by(col(Delivery.created_at).desc()).limit(limit)))


def message_for(*, session: Session, delivery_id: uuid.UUID, by: Actor) -> tuple[Delivery, list[DeliveryAttempt]]:
    """One message and its tries. A unit reporter reads only messages addressed to them: the full text of someone
    else's message is not shown (404, as if it did not exist)."""
    d = session.get(Delivery, delivery_id)
    if d is None or (by.role is Role.unit_reporter and not by.is_person(d.person_id)):
        raise NotFound("message not found", field="delivery_id")
    tries = list(session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                              .order_by(DeliveryAttempt.at)))
    return d, tries


def inbox(*, session: Session, by: Actor, limit: int = 200) -> list[Delivery]:
    """The caller's console inbox (收件箱): delivered messages on inbox channels addressed to their person."""
    if by.person_id is None:
        return []
    kinds = {ch.name for ch in list_channels(session=session) if ch.kind == "inbox"}
    return list(session.exec(select(Delivery).where(Delivery.person_id == by.person_id,
                                                    col(Delivery.channel).in_(kinds or {"inbox"}),
                                                    Delivery.state == DeliveryState.delivered.value)
                             .order_by(col(Delivery.created_at).desc()).limit(limit)))
