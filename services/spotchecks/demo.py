"""Demo spot checks: this quarter's plan (past checks done, two automated calls due on the simulated voice channel,
one manual), last month's results and circular."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.spotchecks.checks import CheckMode, PhoneCheck, PlannedCheck, PlannedStatus
from models.spotchecks.inspections import (
    ReminderNoticeCreate,
    RollCallUnit,
    VideoRollCallCreate,
)
from services import audit
from services.spotchecks import calls, circulars, plans, records

ACTOR = "demo-seed"
VOICE_CHANNEL = "demo_voice"
# the simulator's script: 龙泉镇 (0838-6212110) never answers, 卫生健康局 (0838-6312119) is busy, the rest press 1
VOICE_CONFIG = {"answer_seconds": 3, "key_seconds": 4, "give_up_seconds": 20,
                "no_answer_patterns": ["*6212110"], "busy_patterns": ["*6312119"]}
# last month's outcomes for the first units (a failing town gets an explanation request)
PAST = ["normal", "slow_answer", "no_answer", "normal", "normal", "nonstandard_greeting", "normal", "officer_absent"]


def seed_spotchecks(session: Session, now: datetime, *, settings: Settings) -> dict[str, int]:
    """Create the demo plan and its simulated voice channel, due checks, past results, one circular."""
    local = now.astimezone(settings.tz)
    quarter = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    plan = plans.make_plan(session=session, quarter=quarter, seed="demo", actor=ACTOR, now=now, settings=settings,
                           mode=CheckMode.automated)
    units = plans.checkable_units(session)
    voice = calls.add_demo_voice(session, name=VOICE_CHANNEL, actor=ACTOR, key=settings.secret_key
                                 .get_secret_value(), config={**VOICE_CONFIG, "callback_token": secrets.token_urlsafe(24)})
    # 高观镇: phoned by the duty officer (call-now list); 石桥镇 answers the simulated call and presses 1;
    # 龙泉镇's line (no-answer pattern) is called three times, five minutes apart, and recorded as no answer.
    chosen = {}
    for unit, mode, minutes in ((units[0], CheckMode.manual, -10), (units[1], CheckMode.automated, 1),
                                (units[2], CheckMode.automated, 3)):
        pc = session.exec(select(PlannedCheck).where(PlannedCheck.plan_id == plan.id,
                                                     PlannedCheck.unit_id == unit.id)).first()
        pc.planned_at, pc.mode = now + timedelta(minutes=minutes), mode
        session.add(pc)
        chosen[pc.id] = pc
    resolved = _resolve_past(session, plan.id, set(chosen), now)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (first - timedelta(days=1)).replace(day=1)
    n = 0
    for i, unit in enumerate(units[:len(PAST)]):
        outcomes = [PAST[i]] + (["no_answer"] if PAST[i] == "officer_absent" else [])
        for k, outcome in enumerate(outcomes):
            at = (last_month + timedelta(days=3 + 3 * i + k, hours=22 + k)).astimezone(UTC)
            check = PhoneCheck(unit_id=unit.id, mode=CheckMode.manual, started_at=at, outcome=outcome,
                               rings=5 if outcome == "slow_answer" else 2, answered_by="" if "no_" in outcome else "值班员",
                               recorded_by="duty", recorded_at=at + timedelta(minutes=3))
            session.add(check)
            session.flush()
            audit.record(session=session, actor="duty", action="create", entity="phone_check", entity_id=check.id,
                         unit_id=unit.id, after=check, at=at + timedelta(minutes=3))
            n += 1
    records.record_roll_call(session=session, actor=ACTOR, now=now, settings=settings, data=VideoRollCallCreate(
        held_at=(last_month + timedelta(days=14, hours=9)).astimezone(UTC), title="汛期值班视频调度",
        units=[RollCallUnit(unit_id=u.id, present=i != 2) for i, u in enumerate(units[:6])],
        findings="龙泉镇值班室视频连线时无人在岗"))
    records.issue_notice(session=session, actor=ACTOR, now=now, settings=settings, data=ReminderNoticeCreate(
        title="关于做好近期值班值守工作的提醒", body="请各单位严格落实24小时值班和领导带班制度。",
        issued_at=(last_month + timedelta(days=20, hours=10)).astimezone(UTC)))
    circ = circulars.issue(session=session, year=last_month.year, month=last_month.month, actor=ACTOR, now=now,
                           settings=settings)
    return {"spotcheck_plans": 1, "phone_checks": n + resolved, "circulars": 1 if circ else 0,
            "voice_channels": 1 if voice else 0}


def _resolve_past(session: Session, plan_id, keep: set, now: datetime) -> int:
    """The plan's checks before now already happened (present, key 1): the demo is not a flood of overdue calls."""
    past = session.exec(select(PlannedCheck).where(PlannedCheck.plan_id == plan_id, PlannedCheck.planned_at <= now)
                        .order_by(PlannedCheck.planned_at)).all()
    n = 0
    for pc in past:
        if pc.id in keep:
            continue
        at = pc.planned_at
        check = PhoneCheck(unit_id=pc.unit_id, planned_check_id=pc.id, mode=pc.mode, started_at=at,
                           ring_at=at + timedelta(seconds=4), answered_at=at + timedelta(seconds=8),
                           key_at=at + timedelta(seconds=14), outcome="normal", recorded_by=ACTOR,
                           recorded_at=at + timedelta(minutes=1), notes="演示数据：本季度已完成的抽查")
        pc.status = PlannedStatus.done
        session.add_all([check, pc])
        session.flush()
        audit.record(session=session, actor=ACTOR, action="create", entity="phone_check", entity_id=check.id,
                     unit_id=pc.unit_id, after=check, at=check.recorded_at)
        n += 1
    return n
