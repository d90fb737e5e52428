"""Atomic claims, fenced results, crash recovery, retries with backoff, the channel ladder."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

from sqlmodel import Session, delete, select

from core.settings import Settings
from dutydesk.composition import ALERT_SOURCES
from models.deliveries import Delivery, DeliveryAttempt
from notifiers.base import PermanentError, RateLimitedError, RetryableError, SendResult
from services import alerts, deliveries
from services.deliveries import SendOutcome
from tests.deliveries.conftest import NOW, queue


def _claim_one(session, worker="w1", now=NOW):
    rows = deliveries.claim_due(session=session, now=now, worker=worker, limit=10)
    assert len(rows) == 1
    return rows[0]


def test_two_workers_on_two_connections_never_claim_the_same_row(engine):
    source_id = f"race-{engine.dialect.name}"
    with Session(engine) as s:
        queue(s, 120, source_id=source_id)
        s.commit()
    got: dict[str, list] = {"a": [], "b": []}
    barrier = threading.Barrier(2)
    sizes: list[int] = []

    def work(name: str) -> None:
        barrier.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(got["a"]) + len(got["b"]) < 120:
            with Session(engine) as s:
                rows = deliveries.claim_due(session=s, now=NOW, worker=name, limit=5)
                ids = [r.id for r in rows if r.source_id == source_id]
                s.commit()
            got[name].extend(ids)
            sizes.append(len(rows))
            time.sleep(0.02)  # "sending": the other worker gets its turn (SKIP LOCKED may return nothing meanwhile)

    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in got]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not set(got["a"]) & set(got["b"]), "a row was claimed twice"
        assert len(got["a"]) + len(got["b"]) == 120
        assert max(sizes) <= 5, "a claim took more rows than its limit"
        assert got["a"] and got["b"], "both workers should have taken a share"
    finally:
        with Session(engine) as s:
            s.exec(delete(Delivery).where(Delivery.source_id == source_id))
            s.commit()


def test_future_rows_are_not_claimed_and_a_claim_counts_an_attempt(session):
    queue(session, 1, source_id="later", due_at=NOW + timedelta(minutes=5))
    assert deliveries.claim_due(session=session, now=NOW, worker="w") == []
    row = _claim_one(session, now=NOW + timedelta(minutes=5))
    assert (row.state, row.attempts, row.claimed_by) == ("sending", 1, "w1")


def test_success_records_provider_id_and_attempt(session):
    queue(session, 1)
    row = _claim_one(session)
    done = deliveries.record_result(session=session, delivery_id=row.id, token=row.claim_token, now=NOW,
                                    outcome=SendOutcome.of(SendResult(provider_message_id="p-1")), duration_ms=12)
    assert (done.state, done.provider_message_id, done.sent_at, done.claim_token) == ("sent", "p-1", NOW, None)
    tries = session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == row.id)).all()
    assert [(t.outcome, t.duration_ms) for t in tries] == [("sent", 12)]


def test_crashed_send_becomes_unknown_is_not_resent_and_the_stale_result_is_ignored(session):
    queue(session, 1)
    row = _claim_one(session)
    token = row.claim_token
    assert deliveries.recover_stale(session=session, now=NOW + timedelta(seconds=30), lease_seconds=60) == []
    recovered = deliveries.recover_stale(session=session, now=NOW + timedelta(seconds=61), lease_seconds=60)
    assert [r.id for r in recovered] == [row.id]
    assert session.get(Delivery, row.id).state == "unknown"
    # the lost worker comes back with its result: ignored, the row stays as recovery left it
    late = deliveries.record_result(session=session, delivery_id=row.id, token=token, now=NOW + timedelta(seconds=62),
                                    outcome=SendOutcome.of(SendResult(provider_message_id="late")))
    assert late is None and session.get(Delivery, row.id).provider_message_id is None
    assert deliveries.claim_due(session=session, now=NOW + timedelta(hours=1), worker="w2") == []
    found = alerts.collect(session=session, now=NOW + timedelta(minutes=2), settings=Settings(), sources=ALERT_SOURCES)
    assert any(a.code == "delivery_unknown" for a in found)


def test_crash_with_a_ladder_goes_on_to_the_next_channel(session):
    queue(session, 1, ladder=["wecom", "sms", "voice"], source_id="crash-ladder")
    row = _claim_one(session)
    deliveries.recover_stale(session=session, now=NOW + timedelta(seconds=61), lease_seconds=60)
    first = session.get(Delivery, row.id)
    nxt = session.get(Delivery, first.superseded_by)
    assert (first.state, nxt.channel, nxt.state) == ("unknown", "sms", "queued")
    assert nxt.idempotency_key.endswith(":sms") and nxt.text == first.text
    assert _claim_one(session, now=NOW + timedelta(seconds=61)).id == nxt.id


def test_retryable_failure_backs_off_with_jitter_and_honours_retry_after(session):
    queue(session, 2)
    rng = random.Random(7)
    a, b = deliveries.claim_due(session=session, now=NOW, worker="w")
    ra = deliveries.record_result(session=session, delivery_id=a.id, token=a.claim_token, now=NOW, rng=rng,
                                  outcome=SendOutcome.of(RetryableError("HTTP 503")))
    assert ra.state == "queued" and timedelta(seconds=1) <= ra.due_at - NOW <= timedelta(seconds=2)
    assert ra.last_error == "HTTP 503"
    rb = deliveries.record_result(session=session, delivery_id=b.id, token=b.claim_token, now=NOW, rng=rng,
                                  outcome=SendOutcome.of(RateLimitedError("HTTP 429", retry_after=30)))
    assert rb.state == "queued" and rb.due_at - NOW >= timedelta(seconds=30)


def test_local_throttle_waits_without_spending_a_try(session):
    queue(session, 1)
    row = _claim_one(session)
    out = deliveries.record_result(session=session, delivery_id=row.id, token=row.claim_token, now=NOW,
                                   outcome=SendOutcome.of(RateLimitedError("local throttle: provider limit reached",
                                                                           retry_after=3)))
    assert (out.state, out.attempts, out.due_at) == ("queued", 0, NOW + timedelta(seconds=3))


def test_repeated_failures_fall_back_then_exhaust_and_alert(session):
    queue(session, 1, ladder=["wecom", "sms"], source_id="ladder")
    now = NOW
    for _ in range(3):  # three retryable failures on wecom
        row = _claim_one(session, now=now)
        assert row.channel == "wecom"
        deliveries.record_result(session=session, delivery_id=row.id, token=row.claim_token, now=now,
                                 outcome=SendOutcome.of(RetryableError("timeout")))
        now += timedelta(minutes=10)
    wecom = session.exec(select(Delivery).where(Delivery.idempotency_key.endswith(":wecom"),
                                                Delivery.source_id == "ladder")).one()
    assert wecom.state == "failed" and wecom.superseded_by is not None
    sms = _claim_one(session, now=now)
    assert sms.channel == "sms"
    deliveries.record_result(session=session, delivery_id=sms.id, token=sms.claim_token, now=now,
                             outcome=SendOutcome.of(PermanentError("号码无效")))
    assert session.get(Delivery, sms.id).state == "failed"
    assert deliveries.claim_due(session=session, now=now + timedelta(hours=1), worker="w") == []
    found = {a.code: a for a in alerts.collect(session=session, now=now, settings=Settings(), sources=ALERT_SOURCES)}
    assert found["delivery_failed"].count == 1 and found["delivery_failed"].severity == "critical"


def test_stalled_queue_raises_an_alert(session):
    queue(session, 1, source_id="stalled")
    assert not any(a.code == "delivery_stalled" for a in alerts.collect(session=session, now=NOW, settings=Settings(), sources=ALERT_SOURCES))
    late = alerts.collect(session=session, now=NOW + timedelta(minutes=5), settings=Settings(), sources=ALERT_SOURCES)
    assert any(a.code == "delivery_stalled" for a in late)


def test_batched_results_apply_only_under_a_live_claim(session):
    queue(session, 3, source_id="batch")
    a, b, c = deliveries.claim_due(session=session, now=NOW, worker="w")
    deliveries.recover_stale(session=session, now=NOW + timedelta(seconds=61), lease_seconds=60)  # all three lost
    queue(session, 1, source_id="batch2")
    fresh = _claim_one(session, now=NOW + timedelta(seconds=62))
    ok = SendOutcome.of(SendResult(provider_message_id="p"))
    applied = deliveries.record_results(session=session, results=[
        (a.id, a.claim_token, ok, NOW, 5), (fresh.id, fresh.claim_token, ok, NOW, 5),
        (b.id, b.claim_token, SendOutcome.of(RetryableError("x")), NOW, 5)])
    assert applied == 1
    assert session.get(Delivery, a.id).state == "unknown" and session.get(Delivery, b.id).state == "unknown"
    done = session.get(Delivery, fresh.id)
    assert (done.state, done.provider_message_id, done.claim_token) == ("sent", "p", None)


def test_an_unanswered_spot_check_call_is_the_units_answer_not_a_delivery_alert(session):
    """The provider placed the call (it has an id) and nobody answered: spot checks report that, not deliveries."""
    queue(session, 1, channel="voice", source_id="answered-nobody")
    queue(session, 1, channel="voice", source_id="never-placed")
    for source_id, provider_id in (("answered-nobody", "call-1"), ("never-placed", None)):
        row = session.exec(select(Delivery).where(Delivery.source_id == source_id)).one()
        row.source, row.state, row.provider_message_id, row.created_at = "spot_check", "failed", provider_id, NOW
        session.add(row)
    session.flush()
    found = {a.code: a for a in alerts.collect(session=session, now=NOW, settings=Settings(), sources=ALERT_SOURCES)}
    assert found["delivery_failed"].count == 1  # only the call the provider never took
