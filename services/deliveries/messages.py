"""Reading the outbox as people do: the message list (发送记录), one message with its tries, a person's inbox."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from core.errors import NotFound
from models.accounts import Role
from models.deliveries import Delivery, DeliveryAttempt, DeliveryState
from services.access import Actor
from services.deliveries.channels import list_channels
from services.incidents.acks import hide_links


def shown(d: Delivery, by: Actor | None, lang: str = "api") -> Delivery:
    """A message as `by` may read it. Its recipient reads it whole, with their acknowledgement link; anyone else
    (the duty office's 发送记录, the auditor, the API) reads a detached copy whose links are a label
    (确认链接，仅收件人可用) and whose `ack_url` is empty: a link acknowledges for its person, whoever opens it."""
    if by is not None and by.is_person(d.person_id) or not (d.ack_url or "/ack/" in (d.text or "")):
        return d
    values = d.model_dump()
    values.update(text=hide_links(d.text, lang), markdown=hide_links(d.markdown, lang),
                  voice_text=hide_links(d.voice_text, lang), ack_url=None)
    return Delivery.model_validate(values)  # never added to the session: nothing is written back


def message_list(*, session: Session, state: str = "", channel: str = "", source: str = "",
                 limit: int = 300, by: Actor | None = None, lang: str = "api") -> list[Delivery]:
    """The newest messages, optionally of one state, channel or source (the duty office's view), each as `by`
    may read it (`shown`)."""
    q = select(Delivery)
    if state in {s.value for s in DeliveryState}:
        q = q.where(Delivery.state == state)
    if channel:
        q = q.where(Delivery.channel == channel)
    if source:
        q = q.where(Delivery.source == source)
    return [shown(d, by, lang) for d in session.exec(q.order_by(col(Delivery.created_at).desc()).limit(limit))]


def message_for(*, session: Session, delivery_id: uuid.UUID, by: Actor,
                lang: str = "api") -> tuple[Delivery, list[DeliveryAttempt]]:
    """One message (as `by` may read it: `shown`) and its tries. A unit reporter reads only messages addressed
    to them or to their unit: the full text of someone else's message is not shown (404, as if it did not
    exist)."""
    d = session.get(Delivery, delivery_id)
    if d is None or (by.role is Role.unit_reporter and not (by.is_person(d.person_id) or _to_unit(d, by))):
        raise NotFound("未找到该消息 (message not found)", field="delivery_id")
    tries = list(session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                              .order_by(DeliveryAttempt.at)))
    return shown(d, by, lang), tries


def _to_unit(d: Delivery, by: Actor) -> bool:
    """A message to a unit as a whole that `by` reads as one of the unit's duty officers."""
    return d.person_id is None and d.unit_id is not None and d.unit_id == by.inbox_unit


def reads_inbox(by: Actor) -> bool:
    """Whether anything can reach the caller's inbox: messages to their person, or to their unit (as its duty
    officer, `Actor.inbox_unit`)."""
    return by.person_id is not None or by.inbox_unit is not None


def inbox(*, session: Session, by: Actor, limit: int = 200) -> list[Delivery]:
    """The caller's console inbox (收件箱): delivered messages on inbox channels addressed to their person, and
    those addressed to their unit as a whole when they are its duty officer (`Actor.inbox_unit`)."""
    mine = []
    if by.person_id is not None:
        mine.append(Delivery.person_id == by.person_id)
    if by.inbox_unit is not None:
        mine.append(and_(Delivery.person_id.is_(None), Delivery.unit_id == by.inbox_unit))
    if not mine:
        return []
    kinds = {ch.name for ch in list_channels(session=session) if ch.kind == "inbox"}
    return list(session.exec(select(Delivery).where(or_(*mine),
                                                    col(Delivery.channel).in_(kinds or {"inbox"}),
                                                    Delivery.state == DeliveryState.delivered.value)
                             .order_by(col(Delivery.created_at).desc()).limit(limit)))
