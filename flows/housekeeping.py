"""The housekeeping flow: purge expired sessions, login throttles, old callback event ids and idle provider-limit
windows; seal and verify the audit chain."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from core.db import session_scope
from core.settings import get_settings
from services import accounts
from services.audit import checks
from services.deliveries import limits, receipts


@task(retries=2, retry_delay_seconds=5)
def purge_expired(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return {**accounts.purge(session=session, now=now),
                "callback_events": receipts.purge_events(session=session, now=now),
                "provider_windows": limits.purge_windows(session=session, now=now)}


@task(retries=1, retry_delay_seconds=30)
def check_audit_chain(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        row = checks.check(session=session, keeper=checks.Keeper.of(get_settings()), by="housekeeping", now=now)
        return {"audit_checked": row.checked, "audit_problems": len(row.problems)}


@flow(name="housekeeping", log_prints=True)
async def housekeeping(now: datetime | None = None) -> dict[str, int]:
    """Purge expired sessions, login throttles, old callback event ids and idle provider windows; seal and verify
    the audit chain."""
    now = now or datetime.now(UTC)
    result = {**purge_expired(now), **check_audit_chain(now)}
    print(f"housekeeping: {result}")
    return result
