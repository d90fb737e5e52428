"""Provider receipts for automated spot-check calls: ring, answer, key, no answer, busy, failure.

Receipts may come late, twice or out of order: each fact is kept the first time it is seen and a final
result is only ever upgraded to a key press (the one fact that proves presence).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, or_, select

from models.spotchecks.checks import IvrAttempt, PhoneCheck, PlannedCheck, PlannedStatus
from rules.spotchecks.outcomes import IvrResult, Outcome
from services import audit
from services.spotchecks import calls
from services.spotchecks.ivr import ACTOR, advance

CONFIRM_KEY = "1"
FINAL = {"no_answer": IvrResult.no_answer, "busy": IvrResult.busy, "failed": IvrResult.failed}


def find_attempt(session: Session, *, provider_call_id: str | None = None,
                 delivery_id: str | None = None) -> IvrAttempt | None:
    conds = []
    if provider_call_id:
        conds.append(IvrAttempt.provider_call_id == provider_call_id)
    if delivery_id:
        conds.append(IvrAttempt.delivery_id == str(delivery_id))
    if not conds:
        return None
    return session.exec(select(IvrAttempt).where(or_(*conds))).first()


def _apply(a: IvrAttempt, kind: str, at: datetime, key: str | None, detail: str) -> bool:
    """Fold one receipt into the attempt; True when it changed anything."""
    before = (a.ring_at, a.answered_at, a.key_at, a.result, a.ended_at)
    if kind == "ringing":
        a.ring_at = a.ring_at or at
    elif kind == "answered":
        a.answered_at = a.answered_at or at
        if a.result is None:
            a.status = "answered"
    elif kind in ("key_press", "ack"):
        key = CONFIRM_KEY if kind == "ack" else (key or "")[:1]
        a.key = a.key or key
        if key == CONFIRM_KEY:
            a.key_at = a.key_at or at
            a.answered_at = a.answered_at or at
            a.result, a.status = IvrResult.key_pressed, "key_pressed"
    elif kind in FINAL:
        a.ended_at = a.ended_at or at
        if a.result is None:
            a.result, a.status = FINAL[kind], kind
    if detail and detail not in a.detail:
        a.detail = f"{a.detail} {detail}".strip()[:300]
    return before != (a.ring_at, a.answered_at, a.key_at, a.result, a.ended_at)


def on_receipt(*, session: Session, kind: str, at: datetime | None, now: datetime, key: str | None = None,
               provider_call_id: str | None = None, delivery_id: str | None = None, detail: str = "") -> str:
    """Apply a call receipt to its attempt and move the check on; 'unknown' when no attempt matches."""
    a = find_attempt(session, provider_call_id=provider_call_id, delivery_id=delivery_id)
    if a is None:
        return "unknown"
    if provider_call_id and not a.provider_call_id:
        a.provider_call_id = provider_call_id
    a.receipts += 1
    changed = _apply(a, kind, at or now, key, detail)
    session.add(a)
    session.flush()
    if not changed:
        return "duplicate"
    audit.record(session=session, actor=ACTOR, action="receipt", entity="ivr_attempt", entity_id=a.id,
                 after={"kind": kind, "key": key, "at": (at or now).isoformat(), "result": a.result}, at=now)
    planned = session.get(PlannedCheck, a.planned_check_id)
    if planned.status == PlannedStatus.calling:
        return advance(session=session, planned=planned, now=now)
    if a.result == IvrResult.key_pressed:
        _late_presence(session, planned, a, now)
        return "late"
    return "applied"


def _late_presence(session: Session, planned: PlannedCheck, a: IvrAttempt, now: datetime) -> None:
    """A key press reported after a failure was recorded: a correction entry, never an edit."""
    from services.spotchecks.results import current_checks

    current = [c for c in current_checks(session, unit_id=planned.unit_id) if c.planned_check_id == planned.id]
    if not current or current[-1].outcome == Outcome.normal:
        return
    old = current[-1]
    new = PhoneCheck(unit_id=old.unit_id, planned_check_id=old.planned_check_id, mode=old.mode,
                     started_at=old.started_at, ring_at=a.ring_at, answered_at=a.answered_at, key_at=a.key_at,
                     outcome=Outcome.normal.value, recorded_by=ACTOR, recorded_at=now, corrects_id=old.id,
                     notes=f"更正：第{a.attempt_no}次呼叫的按键回执迟到，确认在岗")
    session.add(new)
    session.flush()
    audit.record(session=session, actor=ACTOR, action="correct", entity="phone_check", entity_id=new.id,
                 unit_id=new.unit_id, before=old, after=new, at=now, note=f"corrects {old.id}: late key receipt")


def sync_from_delivery(session: Session, a: IvrAttempt, now: datetime) -> None:
    """Pull what the outbox row knows (call id, sent time, failure, key-press ack) into the attempt."""
    if not a.delivery_id:
        return
    d = calls.delivery_state(session, a.delivery_id)
    if d is None:
        return
    if d.provider_message_id and not a.provider_call_id:
        a.provider_call_id = d.provider_message_id
    if d.sent_at and not a.placed_at:
        a.placed_at = d.sent_at
    if d.acked_at:
        _apply(a, "ack", d.acked_at, None, "")
    elif d.state in ("failed", "cancelled", "unknown") and a.result is None:
        _apply(a, "failed", d.claimed_at or now, None, f"发送{d.state}：{d.last_error}"[:120])
    session.add(a)
    session.flush()


def attempt_for_delivery(session: Session, delivery_id: uuid.UUID) -> IvrAttempt | None:
    return find_attempt(session, delivery_id=str(delivery_id))


def on_delivery_receipt(session: Session, delivery, receipt, now: datetime) -> None:
    """services.deliveries RECEIPT hook: every receipt of a spot-check call (ring, answer, key, no answer ...)."""
    if getattr(delivery, "source", "") != calls.SOURCE:
        return
    on_receipt(session=session, kind=receipt.kind, at=receipt.at, key=receipt.key, now=now,
               delivery_id=str(delivery.id), provider_call_id=delivery.provider_message_id)


try:
    from services.deliveries.receipts import RECEIPT_HOOKS

    if on_delivery_receipt not in RECEIPT_HOOKS:
        RECEIPT_HOOKS.append(on_delivery_receipt)
except ImportError:  # no delivery pipeline: receipts come through on_receipt only
    pass
