"""The housekeeping flow: a thin wrapper around services.housekeeping."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from dutydesk.db import session_scope
from services import housekeeping as hk


@task(retries=2, retry_delay_seconds=5)
def purge_expired(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return hk.purge(session=session, now=now)


@flow(name="housekeeping", log_prints=True)
async def housekeeping(now: datetime | None = None) -> dict[str, int]:
    """Purge expired console sessions and stale login throttles."""
    result = purge_expired(now or datetime.now(UTC))
    print(f"housekeeping: {result}")
    return result
