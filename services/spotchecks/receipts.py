"""Provider receipts for automated spot-check calls: each one folded into its attempt, then the check moves on."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from core.settings import Settings
from models.spotchecks.checks import IvrAttempt, PhoneCheck, PlannedCheck, PlannedStatus
from rules.spotchecks.outcomes import Outcome
from services import audit
from services.spotchecks import calls, notes
from services.spotchecks.attempts import apply_fact, find_attempt, keyed_code
from services.spotchecks.ivr import ACTOR, advance, in_time, requires_code, take_code
from services.spotchecks.results import current_checks


def on_receipt(*, session: Session, kind: str, at: datetime | None, now: datetime, settings: Settings,
               key: str | None = None, provider_call_id: str | None = None, delivery_id: str | None = None,
               detail: str = "", text: str | None = None) -> str:
    """Apply a call receipt to its attempt and move the check on; 'unknown' when no attempt matches."""
    a = find_attempt(session, provider_call_id=provider_call_id, delivery_id=delivery_id)
    if a is None:
        return "unknown"
    if provider_call_id and not a.provider_call_id:
        a.provider_call_id = provider_call_id
    a.receipts += 1
    changed = apply_fact(a, kind, at or now, key, detail)
    planned = session.get(PlannedCheck, a.planned_check_id)
    if kind == "key_press" and (code := keyed_code(a, text if text is not None else key)):
        changed = take_code(session, planned, a, code, at or now, settings) or changed
    session.add(a)
    session.flush()
    if not changed:
        return "duplicate"
    audit.record(session=session, actor=ACTOR, action="receipt", entity="ivr_attempt", entity_id=a.id,
                 after={"kind": kind, "key": key, "at": (at or now).isoformat(), "result": a.result,
                        "code_match": a.code_match or None}, at=now)
    if planned.status == PlannedStatus.calling:
        return advance(session=session, planned=planned, now=now, settings=settings)
    if requires_code(session, planned):  # a late receipt cannot show who answered: the recorded result stands
        return "applied"
    if in_time(a, settings.spotchecks.key_timeout_seconds):  # a late receipt of a key pressed in time
        _late_presence(session, planned, a, now)
        return "late"
    return "applied"


def _late_presence(session: Session, planned: PlannedCheck, a: IvrAttempt, now: datetime) -> None:
    """A key press reported after a failure was recorded: a correction entry, never an edit."""
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
                 unit_id=new.unit_id, before=old, after=new, at=now, note=notes.late_receipt(str(old.id)))


def attempt_for_delivery(session: Session, delivery_id: uuid.UUID) -> IvrAttempt | None:
    return find_attempt(session, delivery_id=str(delivery_id))


def on_delivery_receipt(session: Session, delivery, receipt, now: datetime, settings: Settings) -> None:
    """Delivery receipt hook (ReceiptHooks.on_receipt): every receipt of a spot-check call (ring, answer, key,
    no answer ...)."""
    if getattr(delivery, "source", "") != calls.SOURCE:
        return
    on_receipt(session=session, kind=receipt.kind, at=receipt.at, key=receipt.key, now=now, settings=settings,
               delivery_id=str(delivery.id), provider_call_id=delivery.provider_message_id, text=receipt.text)
