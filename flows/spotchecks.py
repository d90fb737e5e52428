"""Spot-check flows: the round that runs due automated checks, and the monthly circular. Thin wrappers."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from core.db import session_scope
from core.errors import Conflict, Invalid
from core.settings import get_settings
from services.spotchecks import circulars, ivr


@task(retries=2, retry_delay_seconds=10)
def run_round(now: datetime) -> dict[str, int]:
    with session_scope() as session:
        return ivr.run_round(session=session, now=now, settings=get_settings())


@task(retries=2, retry_delay_seconds=10)
def remind_explanations(now: datetime) -> int:
    with session_scope() as session:
        return circulars.remind_overdue(session=session, now=now, settings=get_settings())


@flow(name="spotcheck-round", log_prints=True)
async def spotcheck_round(now: datetime | None = None) -> dict[str, int]:
    """Place due automated spot-check calls, retry unanswered ones, record results; remind overdue explanations."""
    now = now or datetime.now(UTC)
    result = {**run_round(now), "explanations_reminded": remind_explanations(now)}
    print(f"spot-check round: {result}")
    return result


@task(retries=2, retry_delay_seconds=30)
def issue_circular(year: int, month: int, now: datetime) -> str:
    s = get_settings()
    with session_scope() as session:
        try:
            row = circulars.issue(session=session, year=year, month=month, actor="system:circular", now=now,
                                  settings=s)
        except Conflict:
            return "already issued"
        except Invalid as exc:  # no check that month: nothing to circulate, not a failure to retry
            return f"not issued: {exc.reason}"
        return row.doc_path


@flow(name="spotcheck-circular", log_prints=True)
async def monthly_circular(now: datetime | None = None) -> str:
    """Issue last month's circular (通报) and the explanation requests it triggers."""
    now = now or datetime.now(UTC)
    local = now.astimezone(get_settings().tz)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    result = issue_circular(year, month, now)
    print(f"circular {year}-{month:02d}: {result}")
    return result
