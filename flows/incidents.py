"""Incident flows: sweeps that back up the engine, and the daily duty brief (值班日报). Thin wrappers."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from core.db import session_scope
from core.settings import get_settings
from services.incidents import brief, escalation, sweeps


@task(retries=2, retry_delay_seconds=5)
def escalate_due(now: datetime) -> int:
    with session_scope() as session:
        return len(escalation.tick(session=session, now=now, instance="prefect:escalation-sweep",
                                   settings=get_settings()))


@task(retries=2, retry_delay_seconds=5)
def alarm_due(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return sweeps.sweep(session=session, now=now, settings=get_settings())


@task(retries=2, retry_delay_seconds=30)
def send_brief(now: datetime) -> int:
    with session_scope() as session:
        return brief.send_brief(session=session, now=now, settings=get_settings())


@flow(name="incident-escalation-sweep", log_prints=True)
async def escalation_sweep(now: datetime | None = None) -> int:
    """Fire escalation steps the engine missed (fenced: never twice)."""
    fired = escalate_due(now or datetime.now(UTC))
    print(f"escalation sweep: {fired} step(s) fired")
    return fired


@flow(name="incident-deadline-sweep", log_prints=True)
async def deadline_sweep(now: datetime | None = None) -> dict[str, int]:
    """Send report-deadline alarms and instruction reminders the engine missed (each once)."""
    result = alarm_due(now or datetime.now(UTC))
    print(f"deadline sweep: {result}")
    return result


@flow(name="duty-brief", log_prints=True)
async def duty_brief(now: datetime | None = None) -> int:
    """Send the daily duty brief (值班日报) to the county leaders."""
    sent = send_brief(now or datetime.now(UTC))
    print(f"duty brief sent to {sent} leader(s)")
    return sent
