"""The housekeeping flow: a thin wrapper around services.housekeeping."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from core.db import session_scope
from services import audit
from services import accounts


@task(retries=2, retry_delay_seconds=5)
def purge_expired(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return accounts.purge(session=session, now=now)


@task(retries=1, retry_delay_seconds=30)
def check_audit_chain(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        row = audit.check(session=session, by="housekeeping", now=now)
        return {"audit_checked": row.checked, "audit_problems": len(row.problems)}


@flow(name="housekeeping", log_prints=True)
async def housekeeping(now: datetime | None = None) -> dict[str, int]:
    """Purge expired sessions and login throttles; seal and verify the audit chain."""
    now = now or datetime.now(UTC)
    result = {**purge_expired(now), **check_audit_chain(now)}
    print(f"housekeeping: {result}")
    return result
