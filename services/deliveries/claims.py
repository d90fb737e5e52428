"""Claim due rows atomically, record results under the claim token, recover crashed sends.

Claims (invariant 2): PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED`; SQLite's
`BEGIN IMMEDIATE` serialises the conditional UPDATE. Every claim gets a fresh token;
a result whose token no longer matches (the row was recovered meanwhile) is ignored.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from models.deliveries import Delivery, DeliveryAttempt, DeliveryState
from notifiers.base import NotifierError, RateLimitedError, SendResult
from rules.deliveries import (
    Attempt,
    AttemptOutcome,
    RetryPolicy,
    next_channel,
    retry_delay,
)
from services.deliveries.outbox import next_rung

log = logging.getLogger("dutydesk.deliveries")
S = DeliveryState


@dataclass(frozen=True)
class SendOutcome:
    """What one send came back with, in the outbox's words."""

    kind: str  # sent / delivered / retryable / permanent / throttled
    provider_message_id: str | None = None
    error: str = ""
    retry_after: float | None = None

    @classmethod
    def of(cls, result: SendResult | BaseException) -> "SendOutcome":
        """Map a plugin's result or raised error; anything unexpected is retryable."""
        if isinstance(result, SendResult):
            kind = "delivered" if result.status == "delivered" else "sent"
            detail = result.detail if result.status != "accepted" else f"已受理（未确认送达） {result.detail}".strip()
            return cls(kind, result.provider_message_id, detail)
        if isinstance(result, RateLimitedError) and result.reason.startswith("local throttle"):
            return cls("throttled", error=result.reason, retry_after=result.retry_after)
        if isinstance(result, NotifierError):
            kind = "retryable" if result.retryable else "permanent"
            return cls(kind, error=result.reason, retry_after=getattr(result, "retry_after", None))
        return cls("retryable", error=f"{type(result).__name__}: {result}")


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _claim(session: Session, now: datetime, worker: str, limit: int, returning, token: uuid.UUID | None = None
           ) -> list:
    token = token or uuid.uuid4()
    due = (select(Delivery.id).where(Delivery.state == S.queued.value, Delivery.due_at <= now)
           .order_by(Delivery.due_at).limit(limit))
    if _is_pg(session):
        due = due.with_for_update(skip_locked=True)
    # Two statements on purpose: PostgreSQL may re-run an `IN (SELECT … LIMIT … SKIP LOCKED)`
    # subquery and take far more than `limit` rows; the ids read here stay locked until commit.
    ids = list(session.exec(due))
    if not ids:
        return []
    table = Delivery.__table__
    claimed = (update(table).where(table.c.id.in_(ids), table.c.state == S.queued.value)
               .values(state=S.sending.value, claim_token=token, claimed_by=worker[:100], claimed_at=now,
                       attempts=table.c.attempts + 1)
               .returning(*returning))
    return list(session.connection().execute(claimed))


def claim_due(*, session: Session, now: datetime, worker: str, limit: int = 100) -> list[Delivery]:
    """Take up to `limit` due queued rows for `worker`; no two workers ever get the same row."""
    ids = [r.id for r in _claim(session, now, worker, limit, [Delivery.__table__.c.id])]
    if not ids:
        return []
    return list(session.exec(
        select(Delivery).where(col(Delivery.id).in_(ids)).execution_options(populate_existing=True)
    ))


def claim_rows(*, session: Session, now: datetime, worker: str, limit: int = 100,
               token: uuid.UUID | None = None) -> list:
    """`claim_due` for the dispatcher's hot path: plain read-only rows (every column), no ORM objects. The
    caller may choose the claim's `token`, to find the rows again if it cannot tell whether the claim committed."""
    return _claim(session, now, worker, limit, list(Delivery.__table__.c), token)


def release_unsent(*, session: Session, tokens: list[uuid.UUID]) -> int:
    """Put back in the queue the rows still held under `tokens`, claims whose worker never started a send (its
    COMMIT failed in doubt, so it dropped the rows): not a try, so not counted. Rows with any other token, or
    no longer `sending`, are left alone."""
    if not tokens:
        return 0
    table = Delivery.__table__
    res = session.connection().execute(
        update(table).where(table.c.claim_token.in_(tokens), table.c.state == S.sending.value)
        .values(state=S.queued.value, claim_token=None, claimed_by=None, claimed_at=None,
                attempts=table.c.attempts - 1))
    if res.rowcount:
        log.warning("%d claimed but unsent deliveries put back in the queue", res.rowcount)
    return res.rowcount


def _locked(session: Session, delivery_id: uuid.UUID, token: uuid.UUID) -> Delivery | None:
    q = select(Delivery).where(Delivery.id == delivery_id, Delivery.claim_token == token,
                               Delivery.state == S.sending.value)
    return session.exec(q.with_for_update().execution_options(populate_existing=True)).first()


def record_result(
    *, session: Session, delivery_id: uuid.UUID, token: uuid.UUID, outcome: SendOutcome, now: datetime,
    duration_ms: int = 0, policy: RetryPolicy = RetryPolicy(), rng: random.Random | None = None,
) -> Delivery | None:
    """Apply one send's outcome if `token` still holds the claim; None (ignored) for a stale worker."""
    d = _locked(session, delivery_id, token)
    if d is None:
        log.warning("stale result for delivery %s ignored (claim %s no longer holds)", delivery_id, token)
        return None
    d.claim_token, d.claimed_by = None, None
    session.add(DeliveryAttempt(delivery_id=d.id, group_key=d.group_key, channel=d.channel, outcome=outcome.kind,
                                error=outcome.error[:1000], at=now, duration_ms=duration_ms))
    if outcome.kind in ("sent", "delivered"):
        d.state, d.sent_at, d.last_error = outcome.kind, now, ""
        d.provider_message_id = outcome.provider_message_id
        if outcome.kind == "delivered":
            d.delivered_at = now
    elif outcome.kind == "throttled":  # our own limiter: not a try, just later
        d.state, d.attempts = S.queued.value, max(d.attempts - 1, 0)
        d.due_at = now + timedelta(seconds=outcome.retry_after or 1.0)
    else:
        fail_over(session=session, delivery=d, outcome=AttemptOutcome(outcome.kind), error=outcome.error,
                  now=now, retry_after=outcome.retry_after, policy=policy, rng=rng, flush_attempt=True)
    session.add(d)
    session.flush()
    return d


def record_results(*, session: Session, results: list[tuple], policy: RetryPolicy = RetryPolicy()) -> int:
    """Many (delivery_id, token, outcome, at, duration_ms) at once: successes in bulk, the rest one by one."""
    ok = [r for r in results if r[2].kind in ("sent", "delivered")]
    rest = [r for r in results if r[2].kind not in ("sent", "delivered")]
    applied = 0
    if ok:
        q = select(Delivery.id, Delivery.claim_token, Delivery.group_key, Delivery.channel).where(
            col(Delivery.id).in_([r[0] for r in ok]), Delivery.state == S.sending.value)
        held = {row[0]: row for row in session.exec(q.with_for_update())}
        live = [r for r in ok if r[0] in held and held[r[0]][1] == r[1]]
        for r in ok:
            if r not in live:
                log.warning("stale result for delivery %s ignored (claim %s no longer holds)", r[0], r[1])
        if live:
            conn = session.connection()
            table = Delivery.__table__
            conn.execute(
                update(table).where(table.c.id == bindparam("b_id"), table.c.claim_token == bindparam("b_token"),
                                    table.c.state == S.sending.value)
                .values(state=bindparam("b_state"), sent_at=bindparam("b_at"), delivered_at=bindparam("b_dlv"),
                        provider_message_id=bindparam("b_pmid"), claim_token=None, claimed_by=None, last_error=""),
                [{"b_id": i, "b_token": tok, "b_state": o.kind, "b_at": at, "b_pmid": o.provider_message_id,
                  "b_dlv": at if o.kind == "delivered" else None} for i, tok, o, at, _ in live])
            conn.execute(insert(DeliveryAttempt.__table__), [
                {"id": uuid.uuid4(), "delivery_id": i, "group_key": held[i][2], "channel": held[i][3],
                 "outcome": o.kind, "error": o.error[:1000], "at": at, "duration_ms": ms} for i, _, o, at, ms in live])
            applied += len(live)
            done = {r[0] for r in live}  # rows this session already holds must not show the old state
            for obj in list(session.identity_map.values()):
                if isinstance(obj, Delivery) and obj.id in done:
                    session.expire(obj)
    for delivery_id, token, outcome, at, ms in rest:
        if record_result(session=session, delivery_id=delivery_id, token=token, outcome=outcome, now=at,
                         duration_ms=ms, policy=policy) is not None:
            applied += 1
    return applied


def group_attempts(session: Session, group: str) -> list[Attempt]:
    """Every counted try of one recipient's message, as the ladder rule sees them."""
    counted = {o.value for o in AttemptOutcome}
    rows = session.exec(select(DeliveryAttempt.channel, DeliveryAttempt.outcome)
                        .where(DeliveryAttempt.group_key == group).order_by(DeliveryAttempt.at))
    return [Attempt(ch, AttemptOutcome(o)) for ch, o in rows if o in counted]


def fail_over(
    *, session: Session, delivery: Delivery, outcome: AttemptOutcome, error: str, now: datetime,
    retry_after: float | None = None, policy: RetryPolicy = RetryPolicy(), rng: random.Random | None = None,
    flush_attempt: bool = False,
) -> Delivery | None:
    """After a failed try: retry on this channel with backoff, or fail it and queue the next rung."""
    if flush_attempt:
        session.flush()
    d = delivery
    d.last_error = error[:1000]
    tries = group_attempts(session, d.group_key)
    # The row's own policy (set by its enqueuer) wins over the pipeline default.
    choice = next_channel(d.ladder or [d.channel], tries, d.max_attempts or policy.max_retryable)
    if outcome is AttemptOutcome.retryable and choice.channel == d.channel and choice.retry:
        n = sum(1 for a in tries if a.channel == d.channel and a.outcome is AttemptOutcome.retryable)
        wait = retry_delay(n, policy.base_seconds, policy.cap_seconds, rng=rng or random.Random(),
                           retry_after=retry_after)
        d.state, d.due_at = S.queued.value, now + timedelta(seconds=wait)
        return None
    d.state = S.unknown.value if outcome is AttemptOutcome.unknown else S.failed.value
    if choice.channel is None or choice.channel == d.channel:
        if choice.exhausted:
            log.error("delivery %s to %s: every channel failed (%s)", d.id, d.recipient.get("name", ""), error)
        return None
    nxt = next_rung(session=session, delivery=d, channel=choice.channel, now=now)
    d.superseded_by = nxt.id
    log.warning("delivery %s: %s on %s, falling back to %s", d.id, outcome.value, d.channel, choice.channel)
    return nxt


def recover_stale(*, session: Session, now: datetime, lease_seconds: float = 60.0, limit: int = 500) -> list[Delivery]:
    """Rows left in `sending` past the lease become `unknown` (never resent blindly); the ladder goes on."""
    q = (select(Delivery).where(Delivery.state == S.sending.value,
                                Delivery.claimed_at < now - timedelta(seconds=lease_seconds)).limit(limit))
    if _is_pg(session):
        q = q.with_for_update(skip_locked=True)
    found = list(session.exec(q.execution_options(populate_existing=True)))
    for d in found:
        reason = f"发送中断（{d.claimed_by} 租约过期），结果未知，不盲目重发"
        d.claim_token, d.claimed_by = None, None
        session.add(DeliveryAttempt(delivery_id=d.id, group_key=d.group_key, channel=d.channel,
                                    outcome=AttemptOutcome.unknown.value, error=reason, at=now))
        fail_over(session=session, delivery=d, outcome=AttemptOutcome.unknown, error=reason, now=now,
                  flush_attempt=True)
        session.add(d)
        log.error("delivery %s on %s: worker lost mid-send, marked unknown", d.id, d.channel)
    session.flush()
    return found


def renew_leases(*, session: Session, tokens: list[uuid.UUID], now: datetime) -> None:
    """A live worker's rows in flight keep their lease (claimed_at moves to now)."""
    for i in range(0, len(tokens), 500):
        session.exec(update(Delivery).where(col(Delivery.claim_token).in_(tokens[i:i + 500]),
                                            Delivery.state == S.sending.value)
                     .values(claimed_at=now).execution_options(synchronize_session=False))


def any_due(*, session: Session, by: datetime) -> bool:
    """True when some queued row falls due by `by`."""
    q = select(Delivery.id).where(Delivery.state == S.queued.value, Delivery.due_at <= by)
    return session.exec(q.limit(1)).first() is not None
