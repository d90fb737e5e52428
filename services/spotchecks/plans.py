"""Spot-check plans (抽查计划): made from rules.spotchecks.plan, reproducible from the seed."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from core.settings import Settings
from models.directory import Unit, UnitType
from models.spotchecks.checks import (
    CheckMode,
    PhoneCheck,
    PlannedCheck,
    PlannedStatus,
    SpotCheckPlan,
)
from rules.spotchecks.outcomes import Outcome, SpotCheckPolicy, SpotUnit, plan_checks
from services import audit
from services.access import Actor
from services.rosters.calendar import load_calendar
from services.spotchecks import notes
from services.spotchecks.calls import voice_available
from services.spotchecks.results import current_checks
from services.times import ERA, in_era

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_bounds(label: str) -> tuple[date, date]:
    """'2026Q4' → (2026-10-01, 2026-12-31); Invalid for anything else."""
    m = QUARTER_RE.match(label or "")
    if not m:
        raise Invalid(f"{label!r} 不是季度（如 2026Q4） (not a quarter like 2026Q4)", field="quarter")
    year, q = int(m[1]), int(m[2])
    if not in_era(year):
        raise Invalid(f"季度“{label}”{ERA}", field="quarter")
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return start, end


def checkable_units(session: Session) -> list[Unit]:
    """Units whose duty line is checked: active towns and departments (not the hub itself)."""
    return list(session.exec(select(Unit).where(Unit.active, Unit.type != UnitType.county_office)
                             .order_by(Unit.sort_order, Unit.code)))


def recent_failures(session: Session, before: datetime, days: int = 92,
                    policy: SpotCheckPolicy | None = None) -> dict[str, int]:
    """Failures per unit in the `days` before `before` (current results only)."""
    p = policy or SpotCheckPolicy()
    rows = current_checks(session, since=before - timedelta(days=days), until=before)
    return dict(Counter(str(r.unit_id) for r in rows if Outcome(r.outcome) in p.failures))


def make_plan(*, session: Session, quarter: str, seed: str | int, actor: str, now: datetime, settings: Settings,
              mode: CheckMode = CheckMode.manual, require_duty_code: bool | None = None) -> SpotCheckPlan:
    """Plan a quarter for every checkable unit; refuses a second plan for the same quarter. `require_duty_code`
    None: the deployment's default (DUTYDESK_SPOTCHECKS__REQUIRE_DUTY_CODE)."""
    tz, min_per_quarter = settings.tz, settings.spotchecks.min_per_quarter
    start, end = quarter_bounds(quarter)
    if session.exec(select(SpotCheckPlan).where(SpotCheckPlan.label == quarter)).first():
        raise Conflict(f"{quarter} 的抽查计划已存在 (a plan exists already)", field="quarter")
    units = checkable_units(session)
    if not units:
        raise Invalid("没有可抽查的在用单位 (no active units to check)", field="quarter")
    start_utc = datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC)
    failures = recent_failures(session, start_utc)
    if require_duty_code is None:
        require_duty_code = settings.spotchecks.require_duty_code
    plan = SpotCheckPlan(label=quarter, period_start=start, period_end=end, seed=str(seed), mode=mode,
                         min_per_quarter=min_per_quarter, created_by=actor, created_at=now,
                         require_duty_code=require_duty_code)
    session.add(plan)
    session.flush()
    checks = plan_checks([SpotUnit(str(u.id), u.name) for u in units], start, end, tz, str(seed),
                         min_per_quarter=min_per_quarter, recent_failures=failures,
                         calendar=load_calendar(session=session))
    for c in checks:
        session.add(PlannedCheck(plan_id=plan.id, unit_id=uuid.UUID(c.unit_id), planned_at=c.at.astimezone(UTC),
                                 reasons=[{"code": r.code, "detail": r.detail, "text": r.text} for r in c.reasons],
                                 why=c.why[:500], mode=mode))
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="spotcheck_plan", entity_id=plan.id,
                 after={**plan.model_dump(mode="json"), "checks": len(checks)}, at=now,
                 note=notes.plan(quarter, str(seed), len(checks)))
    return plan


def get_plan(*, session: Session, plan_id: uuid.UUID) -> SpotCheckPlan:
    plan = session.get(SpotCheckPlan, plan_id)
    if plan is None:
        raise NotFound(f"未找到该抽查计划 (plan {plan_id} not found)", field="plan_id")
    return plan


def set_require_duty_code(*, session: Session, plan_id: uuid.UUID, on: bool, actor: str,
                          now: datetime) -> SpotCheckPlan:
    """Turn the plan's 要求按值班识别码 on or off; calls already placed keep what they asked."""
    plan = get_plan(session=session, plan_id=plan_id)
    if plan.require_duty_code == on:
        return plan
    before = plan.model_dump(mode="json")
    plan.require_duty_code = on
    session.add(plan)
    session.flush()
    audit.record(session=session, actor=actor, action="update", entity="spotcheck_plan", entity_id=plan.id,
                 before=before, after=plan, at=now, note=f"{plan.label} 要求按值班识别码：{'是' if on else '否'}")
    return plan


def list_plans(*, session: Session) -> list[SpotCheckPlan]:
    return list(session.exec(select(SpotCheckPlan).order_by(SpotCheckPlan.period_start.desc())))


def plan_checks_of(*, session: Session, plan_id: uuid.UUID) -> list[PlannedCheck]:
    return list(session.exec(select(PlannedCheck).where(PlannedCheck.plan_id == plan_id)
                             .order_by(PlannedCheck.planned_at)))


def call_now(*, session: Session, now: datetime, settings: Settings, by: Actor) -> list[PlannedCheck]:
    """The duty office's "call now" list; empty for everyone else (plans and their times are secret from units)."""
    return due_manual(session=session, now=now, settings=settings) if by.office else []


def due_manual(*, session: Session, now: datetime, settings: Settings,
               unit_id: uuid.UUID | None = None) -> list[PlannedCheck]:
    """Planned checks due for the duty officer to phone now: manual ones, and automated ones without a voice line."""
    q = select(PlannedCheck).where(PlannedCheck.status == PlannedStatus.planned, PlannedCheck.planned_at <= now)
    if unit_id:
        q = q.where(PlannedCheck.unit_id == unit_id)
    rows = session.exec(q.order_by(PlannedCheck.planned_at)).all()
    voice = voice_available(session, settings.spotchecks)
    return [r for r in rows if r.mode == CheckMode.manual or not voice]


def has_result(session: Session, planned_check_id: uuid.UUID) -> PhoneCheck | None:
    return session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == planned_check_id)
                        .order_by(PhoneCheck.recorded_at)).first()
