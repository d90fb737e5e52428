"""Request sessions (web.deps.get_session): a burst far larger than the pool is served, and a cancelled
request still gives its connection back.

A request used to take its connection in one worker thread (the caller lookup) and need another worker thread
for its handler; with more requests than worker threads (40) plus connections, every thread could end up waiting
for a connection while every connection's holder waited for a thread: QueuePool timeouts and 500s. Requests
now queue for admission on the event loop, at most `db.pool_size` at a time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from core import db
from core.settings import Settings
from dutydesk.composition import build_web_app
from models.accounts import Role, UserCreate
from models.directory import UnitCreate, UnitType
from services import accounts
from services.directory import org
from tests.scale.cluster import own_database

BURST = 90  # > 40 worker threads + the pool's 2 connections
NOW = datetime.now(UTC).isoformat()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_burst_beyond_pool_and_threads_is_served(kind, tmp_path):

    with own_database(kind, tmp_path) as (_migrated, url):
        engine = db.make_engine(url, pool_size=1)  # one connection and one of overflow
        engine.pool._timeout = 5  # a stuck pool fails the test in seconds, not 30 s
        with Session(engine, expire_on_commit=False) as s:
            hub = org.create_unit(session=s, actor="t", data=UnitCreate(name="总值班室", code="hub",
                                                                        type=UnitType.county_office))
            user = accounts.create_user(session=s, actor="t", data=UserCreate(
                username="duty", password="burst-password-1", role=Role.duty_officer, unit_id=hub.id))
            token, _ = accounts.create_api_token(session=s, user=user, name="t", actor="t")
            s.commit()
        app = build_web_app(Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                                     db={"pool_size": 1}), engine)

        async def burst() -> list[int]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                         headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
                reads = [c.get("/api/incidents") for _ in range(BURST)]
                writes = [c.post("/api/incidents", json={"title": f"事件{i}", "category": "natural_disaster",
                                                         "unit_id": str(hub.id), "received_at": NOW}) for i in range(BURST // 3)]
                answers = await asyncio.gather(*reads, *writes)
            return [r.status_code for r in answers]

        try:
            codes = asyncio.run(burst())
        finally:
            engine.dispose()
    assert codes.count(200) == BURST, sorted(set(codes))
    assert codes.count(201) == BURST // 3, sorted(set(codes))


def test_a_cancelled_request_still_gives_its_connection_back(tmp_path):
    """Cancelled while closing (anyio cancellation is level-triggered: every await in a cancelled scope raises),
    the session still commits and returns its connection; on SQLite the write gate opens for the next writer."""
    import anyio
    from sqlalchemy import text

    from web.deps import _close

    engine = db.make_engine(f"sqlite:///{tmp_path / 'cancel.db'}")
    scope = db.session_scope(engine)
    session = scope.__enter__()
    session.execute(text("CREATE TABLE t (x INTEGER)"))  # BEGIN IMMEDIATE: this session holds the write gate
    assert engine.pool.checkedout() == 1

    async def cancelled_close() -> None:
        with anyio.CancelScope() as cancel:
            cancel.cancel()
            await _close(scope, session, None)

    anyio.run(cancelled_close)
    assert engine.pool.checkedout() == 0
    with db.session_scope(engine) as s:  # would wait for the gate (30 s) if the first never let go
        s.execute(text("INSERT INTO t VALUES (1)"))
    with db.session_scope(engine) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1
    engine.dispose()
