"""Provider callbacks (delivery receipts, replies, key presses) applied to the outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.deliveries import Delivery, DeliveryAttempt, DeliveryState
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


def apply_receipt(*, session: Session, channel: str, receipt: Receipt, now: datetime, hooks: ReceiptHooks,
                  settings, policy: RetryPolicy = RetryPolicy()) -> Delivery | None:
    """Update the delivery a receipt is about; None when no delivery matches (logged)."""
    d = _match(session, channel, receipt, now)
    if d is None:
        log.warning("receipt %s on %s for unknown message %s ignored", receipt.kind, channel,
                    receipt.provider_message_id or receipt.from_address)
        return None
    at = receipt.at or now
    detail = (receipt.detail or receipt.text or receipt.key or "")[:500]
    outcome = {"delivered": "delivered", "answered": "delivered", "failed": "permanent",
               "no_answer": "retryable", "busy": "retryable"}.get(receipt.kind, receipt.kind)
    session.add(DeliveryAttempt(delivery_id=d.id, group_key=d.group_key, channel=d.channel, outcome=outcome[:16],
                                error=f"回执 {receipt.kind} {detail}".strip()[:1000], at=now))
    if receipt.kind in ACK_KINDS or outcome == "delivered":
        if d.state in (S.sent.value, S.sending.value, S.unknown.value):
            d.state, d.delivered_at = S.delivered.value, d.delivered_at or at
        if receipt.kind in ACK_KINDS:
            d.acked_at, d.ack_detail = d.acked_at or at, f"{receipt.kind}: {detail}"[:500]
            for hook in hooks.on_ack:
                hook(session, d, receipt, now, settings)
    elif d.state in (S.sent.value, S.delivered.value):
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
