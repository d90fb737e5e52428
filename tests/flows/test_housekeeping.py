"""The housekeeping flow, run by Prefect against a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from models.accounts import LoginFailure, LoginSession, Role, UserCreate
from models.deliveries import ProviderWindow
from core.settings import get_settings
from services import accounts
from services.audit import checks

NOW = datetime(2026, 3, 2, 3, 17, tzinfo=UTC)


def test_housekeeping_purges_expired_sessions_and_stale_throttles(prefect_harness, flow_db):
    from flows.housekeeping import housekeeping

    with Session(flow_db) as s:
        user = accounts.create_user(session=s, actor="test", data=UserCreate(
            username="duty", password="long-enough-password", role=Role.admin))
        _, old = accounts.start_session(session=s, user=user, now=NOW - timedelta(hours=13), hours=12)
        _, live = accounts.start_session(session=s, user=user, now=NOW - timedelta(hours=1), hours=12)
        s.add(LoginFailure(key="addr:10.0.0.9", count=3, first_at=NOW - timedelta(days=2)))
        s.add(LoginFailure(key="addr:10.0.0.7", count=1, first_at=NOW - timedelta(minutes=5)))
        s.add(ProviderWindow(key="aliyun_sms:sms:throttle:13800000000", stamps=[1.0], updated_at=NOW - timedelta(days=3)))
        s.add(ProviderWindow(key="wecom:robot:throttle:", stamps=[2.0], updated_at=NOW - timedelta(minutes=1)))
        s.commit()
        old_id, live_id = old.id, live.id

    result = asyncio.run(housekeeping(now=NOW))

    # the user's creation is the one audit entry: sealed and verified by the same run
    assert result == {"sessions": 1, "login_failures": 1, "callback_events": 0, "provider_windows": 1,
                      "audit_checked": 1, "audit_problems": 0}
    with Session(flow_db) as s:
        last = checks.last_check(session=s, keeper=checks.Keeper.of(get_settings()))
        assert last.by == "housekeeping" and last.problems == []  # signed under the deployment's key
        assert [row.id for row in s.exec(select(LoginSession))] == [live_id]
        assert s.get(LoginSession, old_id) is None
        assert [row.key for row in s.exec(select(LoginFailure))] == ["addr:10.0.0.7"]
        assert [row.key for row in s.exec(select(ProviderWindow))] == ["wecom:robot:throttle:"]


def test_the_run_is_recorded_by_prefect(prefect_harness, flow_db):
    from prefect.client.orchestration import get_client

    from flows.housekeeping import housekeeping

    async def run_and_read():
        state = await housekeeping(now=NOW, return_state=True)
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
        return state, run

    state, run = asyncio.run(run_and_read())
    assert state.is_completed() and run.state.is_completed()
    assert run.parameters["now"] is not None
