"""Spot-check fixtures: a pinned clock in Q4 2026, a plan covering it, the town's planned check due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core.settings import Settings
from models.spotchecks.checks import CheckMode, PlannedCheck

TZ = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings(environment="test", timezone="Asia/Shanghai")  # what the services read (spotchecks area)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 local


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def plan(session, directory):
    """A manual plan for 2026Q4 (town + department)."""
    from services.spotchecks.plans import make_plan

    p = make_plan(session=session, quarter="2026Q4", seed=7, actor="u_duty_officer", now=NOW, settings=SETTINGS)
    session.commit()
    return p


def town_check(session, plan, directory, *, due: datetime = NOW - timedelta(minutes=1),
               mode: CheckMode = CheckMode.manual) -> PlannedCheck:
    """The town's planned check, moved to `due` (a test's scenario, not a plan edit path)."""
    pc = session.exec(select(PlannedCheck).where(PlannedCheck.plan_id == plan.id,
                                                 PlannedCheck.unit_id == directory["town"].id)).first()
    pc.planned_at, pc.mode = due, mode
    session.add(pc)
    session.commit()
    return pc
