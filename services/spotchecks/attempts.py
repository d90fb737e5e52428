"""An automated call's attempt row and the facts receipts bring to it (ring, answer, key, no answer ...).

Receipts may come late, twice or out of order: each fact is kept the first time it is seen and a final
result is only ever upgraded to a key press (the one fact that proves presence).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, or_, select

from models.spotchecks.checks import IvrAttempt
from rules.spotchecks.outcomes import IvrResult
from services.spotchecks import calls

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


def apply_fact(a: IvrAttempt, kind: str, at: datetime, key: str | None, detail: str) -> bool:
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


def keyed_code(a: IvrAttempt, text: str | None) -> str | None:
    """The duty code in a key-press receipt's DTMF, or None. Providers report the call's keys so far as one string
    ("14821#": the confirm key, then the code, # ends it); keys reported alone after the confirm key are the code."""
    raw = "".join(ch for ch in (text or "") if ch.isdigit() or ch == "#").split("#")[0]
    if raw.startswith(CONFIRM_KEY):
        return raw[1:] or None
    return raw or None if a.key_at is not None else None


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
        apply_fact(a, "ack", d.acked_at, None, "")
    elif d.state in ("failed", "cancelled", "unknown") and a.result is None:
        apply_fact(a, "failed", d.claimed_at or now, None, f"发送{d.state}：{d.last_error}"[:120])
    session.add(a)
    session.flush()
