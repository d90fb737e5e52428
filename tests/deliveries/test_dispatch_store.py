"""The dispatcher's database side when the database fails around a claim (a PostgreSQL restart, say).

Seen in CI: a restart landed between a claim's COMMIT and the channel read that followed it; the dispatcher
dropped the claimed rows, which sat in `sending` until their lease ran out and were then marked `unknown`
("never resent blindly"): messages nobody had sent, reported as in doubt.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from engine.dispatch_store import DispatchStore
from models.deliveries import Delivery
from rules.deliveries import RetryPolicy
from services import deliveries

PAST = datetime(2001, 1, 1, tzinfo=UTC)  # nothing else in the shared test database falls due this early


def _lost(statement: str) -> OperationalError:
    return OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def queued(engine):
    """Three committed rows due at PAST, tagged; removed afterwards."""
    tag = f"store-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        for i in range(3):
            deliveries.enqueue(session=s, source="test", source_id=tag, step=str(i), recipient={"name": f"r{i}"},
                               channel="hook", subject="通知", text=f"第{i}号", now=PAST)
        s.commit()
    yield tag
    with Session(engine) as s:
        s.exec(delete(Delivery).where(Delivery.source_id == tag))
        s.commit()


def _store(engine) -> DispatchStore:
    return DispatchStore(engine, worker="store-test", now=lambda: PAST + timedelta(seconds=1), policy=RetryPolicy())


def _rows(engine, tag: str) -> list[Delivery]:
    with Session(engine) as s:
        return list(s.exec(select(Delivery).where(Delivery.source_id == tag)))


def test_rows_claimed_before_a_failed_channel_read_still_reach_the_dispatcher(engine, queued, monkeypatch):
    def broken(**_kw):
        raise _lost("SELECT channels")

    monkeypatch.setattr(deliveries, "channels_stamp", broken)
    store = _store(engine)
    rows, channels = store.claim(10)
    assert sorted(r.step for r in rows) == ["0", "1", "2"] and channels is None  # sent with the channels known
    monkeypatch.undo()
    assert store.read_channels() is not None  # the failed read did not count as seen: tried again


def test_a_claim_that_failed_around_its_commit_is_put_back_at_the_next_upkeep(engine, queued, monkeypatch):
    real = deliveries.claim_rows

    def commit_then_lose_the_connection(*, session, **kw):
        real(session=session, **kw)
        session.commit()
        raise _lost("COMMIT")  # the claim landed, the dispatcher cannot know

    monkeypatch.setattr(deliveries, "claim_rows", commit_then_lose_the_connection)
    store = _store(engine)
    with pytest.raises(OperationalError):
        store.claim(10)
    assert {r.state for r in _rows(engine, queued)} == {"sending"}
    monkeypatch.undo()
    store.renew_and_recover([])
    rows = _rows(engine, queued)
    assert {r.state for r in rows} == {"queued"} and {r.attempts for r in rows} == {0}  # not a try: never sent
    assert all(r.claim_token is None for r in rows)
    again, _ = store.claim(10)
    assert len(again) == 3
    store.renew_and_recover([r.claim_token for r in again])  # a claim that did not fail is left alone
    assert {r.state for r in _rows(engine, queued)} == {"sending"}
