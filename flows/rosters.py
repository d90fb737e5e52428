"""Roster flows (thin): extend rosters ahead, tomorrow's reminders and duty notices, gap re-checks."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from core.db import session_scope
from core.settings import get_settings
from services.rosters import extend as ext
from services.rosters import reminders


@task(retries=2, retry_delay_seconds=30)
def extend_task(now: datetime) -> dict:
    return ext.extend(session_factory=session_scope, now=now, settings=get_settings())


@task(retries=2, retry_delay_seconds=30)
def recheck_task(now: datetime) -> int:
    with session_scope() as session:
        return ext.recheck(session=session, now=now, tz=get_settings().timezone)


@task(retries=2, retry_delay_seconds=60)
def remind_task(now: datetime) -> dict[str, int]:
    settings = get_settings()
    with session_scope() as session:
        return {"tomorrow": reminders.send_tomorrow(session=session, now=now, settings=settings),
                "notices": reminders.send_notices(session=session, now=now, settings=settings)}


@flow(name="roster-extend", log_prints=True)
async def roster_extend(now: datetime | None = None) -> dict:
    """Keep every unit's roster generated weeks ahead, then re-check gaps (alerts)."""
    now = now or datetime.now(UTC)
    result = extend_task(now)
    result["gaps"] = recheck_task(now)
    print(f"roster-extend: {result['generated']} unit-months generated, {result['gaps']} open gaps, "
          f"{len(result['errors'])} errors")
    return result


@flow(name="roster-reminders", log_prints=True)
async def roster_reminders(now: datetime | None = None) -> dict[str, int]:
    """Tomorrow's duty reminders (from 16:00 local) and holiday / flood-season duty notices; each once."""
    result = remind_task(now or datetime.now(UTC))
    print(f"roster-reminders: {result}")
    return result
