"""Provider callbacks (delivery receipts, replies, key presses) applied to the outbox rows."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from models.deliveries import CallbackEvent, Delivery, DeliveryAttempt, DeliveryState
from notifiers.base import Receipt
from rules.deliveries import AttemptOutcome, RetryPolicy
from services.deliveries.claims import fail_over

log = logging.getLogger("dutydesk.deliveries")
S = DeliveryState

Hook = Callable[[Session, Delivery, Receipt, datetime, object], None]


@dataclass(frozen=True)
class ReceiptHooks:
    """What other features do with receipts; the composition root fills it in (`dutydesk/composition.py`).

    Each hook is fn(session, delivery, receipt, now, settings), called in the callback's transaction. `on_ack`: key
    presses, replies and card acks (incidents acknowledge). `on_receipt`: every receipt of every kind (ringing,
    answered, delivered, key press, reply, ack, no answer, busy, failed ...) after the row was updated, so
    features read the typed receipt instead of parsing attempt rows (spot-check calls)."""

    on_ack: Sequence[Hook] = ()
    on_receipt: Sequence[Hook] = ()


ACK_KINDS = frozenset({"key_press", "reply", "ack"})
REPLY_WINDOW = timedelta(hours=24)


def _match(session: Session, channel: str, receipt: Receipt, now: datetime) -> Delivery | None:
    if receipt.provider_message_id:
        return session.exec(select(Delivery).where(Delivery.channel == channel,
                                                   Delivery.provider_message_id == receipt.provider_message_id)
                            .with_for_update()).first()
    if receipt.kind == "reply" and receipt.from_address:
        # An upstream SMS names only the sender: the latest message we sent that number on this channel.
        number = receipt.from_address.removeprefix("+86").removeprefix("86")
        rows = session.exec(select(Delivery).where(Delivery.channel == channel,
                                                   col(Delivery.state).in_([S.sent.value, S.delivered.value]),
                                                   Delivery.sent_at >= now - REPLY_WINDOW)
                            .order_by(col(Delivery.sent_at).desc()).limit(200))
        return next((d for d in rows if (d.recipient.get("mobile") or "").endswith(number[-11:])), None)
    return None


EVENT_AGE = timedelta(days=30)  # how long a seen event id is kept; providers retry for hours, not weeks


def event_id(receipt: Receipt) -> str:
    """The provider's id of the event, or a digest of everything the receipt says (the provider's own time
    included): the same callback sent again is the same event."""
    if receipt.event_id:
        return receipt.event_id[:200]
    said = json.dumps(receipt.model_dump(mode="json", exclude={"event_id"}), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(said.encode()).hexdigest()


@functools.cache
def _insert_event(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING: one statement; no row back means the event was seen."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = CallbackEvent.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["channel", "event_id"]).returning(table.c.event_id)


def first_time(*, session: Session, channel: str, receipt: Receipt, now: datetime) -> bool:
    """Records the receipt's event; False when it was recorded before (a replay or a provider's retry). A
    concurrent copy of the same event waits on the primary key and then finds it taken."""
    statement = _insert_event(session.get_bind().dialect.name)
    values = {"channel": channel, "event_id": event_id(receipt), "received_at": now}
    return session.connection().execute(statement, values).first() is not None


def purge_events(*, session: Session, now: datetime, age: timedelta = EVENT_AGE) -> int:
    """Housekeeping: forget event ids older than `age`; how many went."""
    return session.exec(delete(CallbackEvent).where(CallbackEvent.received_at <= now - age)).rowcount or 0


def apply_receipt(*, session: Session, channel: str, receipt: Receipt, now: datetime, hooks: ReceiptHooks,
                  settings, policy: RetryPolicy = RetryPolicy()) -> Delivery | None:
    """Update the delivery a receipt is about; None when no delivery matches (logged) or the event was applied
    before (a replay changes nothing and adds no row). A delivery's state only moves forward: a failure, no
    answer or busy after it was delivered, answered or acknowledged is recorded but undoes nothing."""
    d = _match(session, channel, receipt, now)
    if d is None:
        log.warning("receipt %s on %s for unknown message %s ignored", receipt.kind, channel,
                    receipt.provider_message_id or receipt.from_address)
        return None
    if not first_time(session=session, channel=channel, receipt=receipt, now=now):
        log.info("receipt %s on %s for %s seen before: ignored", receipt.kind, channel, d.id)
        return None
    at = receipt.at or now
    detail = (receipt.detail or receipt.text or receipt.key or "")[:500]
    outcome = {"delivered": "delivered", "answered": "delivered", "failed": "permanent",
               "no_answer": "retryable", "busy": "retryable"}.get(receipt.kind, receipt.kind)
    forward = receipt.kind in ACK_KINDS or outcome == "delivered"
    late = not forward and (d.state != S.sent.value or d.acked_at is not None)
    note = "（迟到：已送达或已确认，状态不变）" if late and d.state == S.delivered.value else ""
    session.add(DeliveryAttempt(delivery_id=d.id, group_key=d.group_key, channel=d.channel, outcome=outcome[:16],
                                error=f"回执 {receipt.kind} {detail}{note}".strip()[:1000], at=now))
    if forward:
        if d.state in (S.sent.value, S.sending.value, S.unknown.value):
            d.state, d.delivered_at = S.delivered.value, d.delivered_at or at
        if receipt.kind in ACK_KINDS:
            d.acked_at, d.ack_detail = d.acked_at or at, f"{receipt.kind}: {detail}"[:500]
            for hook in hooks.on_ack:
                hook(session, d, receipt, now, settings)
    elif not late:
        # The provider gave up after taking it (undeliverable SMS, unanswered call): next try or next rung.
        fail_over(session=session, delivery=d, outcome=AttemptOutcome(outcome), error=f"回执：{receipt.kind} {detail}",
                  now=now, policy=policy, flush_attempt=True)
    session.add(d)
    session.flush()
    for receipt_hook in hooks.on_receipt:
        receipt_hook(session, d, receipt, now, settings)
    return d


def mark_acknowledged(*, session: Session, source: str, source_id: str, person_id, at: datetime, detail: str) -> int:
    """A person acknowledged the thing their messages are about elsewhere (console, link, phone): their messages
    of that source say so, and an inbox offers no second button. Returns how many rows changed."""
    res = session.exec(update(Delivery).where(Delivery.source == source, Delivery.source_id == source_id,
                                              Delivery.person_id == person_id, Delivery.acked_at.is_(None))
                       .values(acked_at=at, ack_detail=detail[:500]))
    return res.rowcount or 0


def cancel_queued(*, session: Session, source: str, source_id: str, step_like: str, person_id=None,
                  reason: str = "已确认，不再发送") -> int:
    """Withdraw messages of `source_id` still waiting to go out (queued, not claimed) whose step matches the SQL
    LIKE pattern `step_like`, of one person or of everyone: what was scheduled for later is no longer wanted (acknowledged).
    A row a worker already claimed is left to finish. Returns how many rows were cancelled."""
    q = update(Delivery).where(Delivery.source == source, Delivery.source_id == source_id,
                               Delivery.state == DeliveryState.queued.value, Delivery.step.like(step_like))
    if person_id is not None:
        q = q.where(Delivery.person_id == person_id)
    res = session.exec(q.values(state=DeliveryState.cancelled.value, last_error=reason))
    return res.rowcount or 0
