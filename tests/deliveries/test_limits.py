"""Provider limits held in the database: one sliding window per provider account, shared by every sender.

Several threads with sessions of their own stand in for engines here; tests/scale/test_shared_limits.py runs
three engine processes against a sink.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from engine.channel_pool import DbWindows
from notifiers.base import RateLimit, RateLimitedError, Throttle
from services.deliveries import limits


def _take(engine, key: str, now: float, count: int = 5, per: float = 3.0) -> float:
    with Session(engine) as s:
        wait = limits.take_slot(session=s, key=key, count=count, per_seconds=per, now=now)
        s.commit()
    return wait


def test_the_sixth_in_a_window_waits_until_the_first_slot_frees(engine):
    key = f"test:{uuid.uuid4().hex}"
    assert [_take(engine, key, 100.0 + i * 0.1) for i in range(5)] == [0.0] * 5
    assert _take(engine, key, 100.5) == pytest.approx(2.5)
    assert _take(engine, key, 102.9) == pytest.approx(0.1)
    assert _take(engine, key, 103.0) == 0.0  # the first stamp (100.0) has left the window
    assert _take(engine, key, 103.05) > 0  # the second (100.1) has not


def test_senders_racing_for_one_account_take_exactly_its_limit(engine):
    key = f"test:{uuid.uuid4().hex}"
    with ThreadPoolExecutor(6) as pool:
        waits = list(pool.map(lambda i: _take(engine, key, 200.0, count=7, per=60), range(30)))
    assert sum(w == 0.0 for w in waits) == 7


def test_accounts_do_not_share_a_window(engine):
    a, b = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"
    assert _take(engine, a, 300.0, count=1) == 0.0
    assert _take(engine, a, 300.1, count=1) > 0
    assert _take(engine, b, 300.1, count=1) == 0.0


@pytest.mark.anyio
async def test_two_throttles_on_one_database_count_together(engine):
    """What two engines' plugin instances for one robot do: the 21st send in a minute is refused before I/O."""
    windows = [DbWindows(engine, now=lambda: datetime.now(UTC)), DbWindows(engine, now=lambda: datetime.now(UTC))]
    scope = f"wecom:robot-{uuid.uuid4().hex[:8]}:throttle"
    throttles = [Throttle(RateLimit(count=20, per_seconds=60), windows=w, scope=scope) for w in windows]
    granted = refused = 0
    for i in range(30):
        try:
            await throttles[i % 2].take()
            granted += 1
        except RateLimitedError as exc:
            assert exc.reason.startswith("local throttle") and 0 < exc.retry_after <= 60
            refused += 1
    for w in windows:
        w.close()
    assert (granted, refused) == (20, 10)


def test_a_long_address_takes_its_own_window(engine):
    """A webhook's limit is per URL; a long one is hashed into the key, not refused by the column."""
    base = f"webhook:hooks:throttle:https://example.org/{uuid.uuid4().hex}/"
    assert _take(engine, base + "a" * 300, 400.0, count=1) == 0.0
    assert _take(engine, base + "a" * 300, 400.1, count=1) > 0
    assert _take(engine, base + "b" * 300, 400.1, count=1) == 0.0


def test_long_keys_fit_the_column():
    key = limits.window_key("webhook", "hooks", "throttle", "https://example.org/" + "x" * 400)
    assert len(key) <= limits.KEY_MAX
    assert key != limits.window_key("webhook", "hooks", "throttle", "https://example.org/" + "y" * 400)


def test_a_channel_limit_needs_its_count_and_its_window(session):
    from core.errors import Invalid
    from models.deliveries import ChannelConfigCreate, ChannelConfigUpdate
    from services import deliveries

    key = "test-secret-key-for-channels"
    with pytest.raises(Invalid) as err:
        deliveries.create_channel(session=session, actor="t", key=key, data=ChannelConfigCreate(
            name="robot_a", kind="webhook", rate_count=5, config={"base_url": "http://127.0.0.1:9/hook"}))
    assert err.value.field == "rate_seconds"
    row = deliveries.create_channel(session=session, actor="t", key=key, data=ChannelConfigCreate(
        name="robot_b", kind="webhook", rate_count=5, rate_seconds=3, config={"base_url": "http://127.0.0.1:9/hook"}))
    assert (row.rate_count, row.rate_seconds) == (5, 3)
    with pytest.raises(Invalid) as err:
        deliveries.update_channel(session=session, name="robot_b", actor="t", key=key,
                                  data=ChannelConfigUpdate(rate_seconds=None))
    assert err.value.field == "rate_seconds"


def _hold(engine, key: str, until: float) -> None:
    with Session(engine) as s:
        limits.hold(session=s, key=key, until=until)
        s.commit()


def test_a_providers_retry_after_holds_the_account_for_every_sender(engine):
    """A 429 met by one engine: no slot is taken on that account until the provider's pause ends."""
    key = f"test:{uuid.uuid4().hex}"
    assert _take(engine, key, 500.0) == 0.0
    _hold(engine, key, 530.0)
    assert _take(engine, key, 510.0) == pytest.approx(20.0)  # slots are free, but the provider said wait
    with Session(engine) as s:
        assert limits.held_for(session=s, key=key, now=520.0) == pytest.approx(10.0)
    _hold(engine, key, 515.0)  # an earlier end (a second engine's shorter 429) does not cut the pause short
    assert _take(engine, key, 529.0) == pytest.approx(1.0)
    assert _take(engine, key, 530.0) == 0.0


def test_a_hold_on_an_account_never_written_before(engine):
    key = f"test:{uuid.uuid4().hex}"
    with Session(engine) as s:
        assert limits.held_for(session=s, key=key, now=100.0) == 0.0
    _hold(engine, key, 160.0)
    with Session(engine) as s:
        assert limits.held_for(session=s, key=key, now=100.0) == pytest.approx(60.0)
        assert limits.held_for(session=s, key=key, now=161.0) == 0.0
    assert _take(engine, key, 161.0) == 0.0


@pytest.mark.anyio
async def test_an_engine_sees_the_hold_another_engine_wrote(engine):
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    mine, other = DbWindows(engine, now=lambda: clock[0]), DbWindows(engine, now=lambda: clock[0])
    key = f"wecom:robot-{uuid.uuid4().hex[:8]}:throttle:"
    try:
        assert await other.held(key) == 0.0
        await mine.hold(key, 600.0)
        other._holds.clear()  # past its short "not held" memory (DbWindows.HOLD_FRESH)
        assert 590 < await other.held(key) <= 600.0
    finally:
        mine.close()
        other.close()
