"""Phone-check results: manual recording with validation, corrections as new entries, current view."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.errors import Conflict, Invalid, NotFound
from core.settings import Settings
from models.directory import Person, Unit
from models.spotchecks.checks import (
    CheckMode,
    PhoneCheck,
    PhoneCheckCorrection,
    PhoneCheckCreate,
    PlannedCheck,
    PlannedStatus,
    SpotCheckPlan,
)
from rules.spotchecks import results as rule
from rules.spotchecks.outcomes import Outcome
from services import audit
from services.spotchecks import notes
from services.spotchecks.roster import on_duty, roster_match


MODE_ZH = {CheckMode.manual: "人工", CheckMode.automated: "自动外呼"}  # a reason's words, not the enum's value


def _outcome(value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise Invalid(f"检查结果 {value!r} 无效，须为以下之一：{'、'.join(o.value for o in Outcome)} (unknown outcome)",
                      field="outcome") from None


def _check_time(at: datetime, now: datetime, settings: Settings) -> None:
    if at.tzinfo is None:
        raise Invalid("时间须带时区（如 +08:00） (time must carry a time zone)", field="started_at")
    if at > now + timedelta(seconds=settings.spotchecks.future_grace_seconds):
        raise Invalid("时间不能晚于现在 (time is in the future)", field="started_at")


def _check_person(session: Session, person_id: uuid.UUID | None) -> None:
    if person_id is not None and session.get(Person, person_id) is None:
        raise Invalid(f"未找到该人员 (person {person_id} not found)", field="answered_person_id")


def _planned_for(session: Session, data: PhoneCheckCreate, now: datetime,
                 settings: Settings) -> PlannedCheck | None:
    """The planned check this result belongs to; 4xx when the plan does not allow it."""
    if data.planned_check_id is not None:
        planned = session.get(PlannedCheck, data.planned_check_id)
        if planned is None:
            raise Invalid(f"未找到该计划抽查 (planned check {data.planned_check_id} not found)", field="planned_check_id")
        if data.unit_id is not None and data.unit_id != planned.unit_id:
            raise Invalid("单位与计划抽查不符 (unit does not match the planned check)", field="unit_id")
        return planned
    if data.unit_id is None or session.get(Unit, data.unit_id) is None:
        raise Invalid("单位未填写或不存在 (unit missing or unknown)", field="unit_id")
    if not settings.spotchecks.plan_required:
        return None
    day = data.started_at.astimezone(settings.tz).date()
    plan = session.exec(select(SpotCheckPlan).where(SpotCheckPlan.period_start <= day,
                                                    SpotCheckPlan.period_end >= day)).first()
    if plan is None:
        raise Invalid(f"没有覆盖 {day} 的抽查计划 (no spot-check plan covers {day})", field="started_at")
    mine = session.exec(select(PlannedCheck).where(PlannedCheck.plan_id == plan.id,
                                                   PlannedCheck.unit_id == data.unit_id)
                        .order_by(PlannedCheck.planned_at)).all()
    if not mine:
        raise Invalid(f"该单位不在抽查计划 {plan.label} 中 (unit is not in the plan)", field="unit_id")
    open_checks = [rule.OpenCheck(str(p.id), p.planned_at, p.mode == CheckMode.manual)
                   for p in mine if p.status == PlannedStatus.planned]
    chosen = rule.fulfils(open_checks, now)
    return next((p for p in mine if str(p.id) == chosen), None)


def record_manual(*, session: Session, data: PhoneCheckCreate, actor: str, now: datetime,
                  settings: Settings) -> PhoneCheck:
    """Record the outcome of a call the duty officer made; refuses to replace an existing result."""
    outcome = _outcome(data.outcome)
    _check_time(data.started_at, now, settings)
    _check_person(session, data.answered_person_id)
    planned = _planned_for(session, data, now, settings)
    if planned is not None:
        earlier = session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == planned.id)).first()
        if earlier is not None:
            raise Conflict(f"该计划抽查已有{MODE_ZH.get(CheckMode(earlier.mode), '')}结果（{earlier.id}）：请改为登记更正 "
                           "(planned check already has a result: record a correction of it instead)",
                           field="planned_check_id")
        if planned.status == PlannedStatus.calling:
            raise Conflict("该抽查的自动外呼正在进行 (an automated call of this check is in progress)", field="planned_check_id")
    unit_id = planned.unit_id if planned else data.unit_id
    check = PhoneCheck(
        unit_id=unit_id, planned_check_id=planned.id if planned else None, mode=CheckMode.manual,
        started_at=data.started_at, rings=data.rings, outcome=outcome.value, answered_by=data.answered_by.strip(),
        answered_person_id=data.answered_person_id, notes=data.notes, recorded_by=actor, recorded_at=now,
        roster_match=roster_match(session, unit_id, data.started_at, person_id=data.answered_person_id,
                                  name=data.answered_by), rostered=rostered_names(session, unit_id, data.started_at),
    )
    session.add(check)
    if planned is not None:
        planned.status = PlannedStatus.done
        session.add(planned)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="phone_check", entity_id=check.id,
                 unit_id=unit_id, after=check, at=now, note=f"{outcome.label}")
    return check


def _named(data: PhoneCheckCorrection) -> dict:
    """The fields a correction gives (an empty answerer or an omitted time keeps the old one)."""
    named = {k: getattr(data, k) for k in data.model_fields_set if k in (*rule.CORRECTABLE, "roster_match")}
    if "answered_by" in named:
        named["answered_by"] = (named["answered_by"] or "").strip() or None
    # None is a value only for the roster judgement ("unknown"); elsewhere it means "keep"
    return {k: v for k, v in named.items() if v is not None or k == "roster_match"}


def rostered_names(session: Session, unit_id: uuid.UUID, at: datetime) -> str:
    """Who the roster had on duty at `at` (names), as a result keeps it; '' when the unit has no roster then."""
    return "、".join(r.name for r in on_duty(session, unit_id, at) or [])[:200]


def correct(*, session: Session, check_id: uuid.UUID, data: PhoneCheckCorrection, reason: str, actor: str,
            now: datetime, settings: Settings) -> PhoneCheck:
    """A new entry that replaces `check_id` in every count; the old entry stays as it was.

    It keeps the check's time and roster judgement unless it changes them (rules.spotchecks.results.correct).
    """
    old = session.get(PhoneCheck, check_id)
    if old is None:
        raise NotFound(f"未找到该电话抽查记录 (phone check {check_id} not found)", field="check_id")
    if not reason.strip():
        raise Invalid("更正须填写理由 (a correction needs a reason)", field="reason")
    later = session.exec(select(PhoneCheck).where(PhoneCheck.corrects_id == old.id)).first()
    if later is not None:
        raise Conflict(f"该记录已被 {later.id} 更正：请更正最新的记录 "
                       "(entry already corrected: correct the latest entry)", field="check_id")
    named = _named(data)
    if "outcome" in named:
        _outcome(named["outcome"])
    if "started_at" in named:
        _check_time(named["started_at"], now, settings)
    _check_person(session, named.get("answered_person_id"))
    fix = rule.correct(old.model_dump(), named)
    v = fix.values
    new = PhoneCheck(
        unit_id=old.unit_id, planned_check_id=old.planned_check_id, mode=old.mode, started_at=v["started_at"],
        ring_at=old.ring_at, answered_at=old.answered_at, key_at=old.key_at, rings=v["rings"],
        outcome=Outcome(v["outcome"]).value, answered_by=v["answered_by"], answered_person_id=v["answered_person_id"],
        roster_match=v["roster_match"],
        rostered=rostered_names(session, old.unit_id, v["started_at"]) if "started_at" in fix.changed else old.rostered,
        notes=f"更正：{reason.strip()}" + (f"；{data.notes}" if data.notes else ""), recorded_by=actor,
        recorded_at=now, corrects_id=old.id,
    )
    if fix.rejudge:
        new.roster_match = roster_match(session, new.unit_id, new.started_at, person_id=new.answered_person_id,
                                        name=new.answered_by)
    session.add(new)
    session.flush()
    changed = ",".join(sorted(fix.changed | ({"roster_match"} if new.roster_match != old.roster_match else set())))
    audit.record(session=session, actor=actor, action="correct", entity="phone_check", entity_id=new.id,
                 unit_id=new.unit_id, before=old, after=new, at=now,
                 note=notes.correction(str(old.id), changed, reason)[:500])
    return new


def current_checks(session: Session, *, since: datetime | None = None, until: datetime | None = None,
                   unit_id: uuid.UUID | None = None) -> list[PhoneCheck]:
    """Results in force: every entry no later entry corrects, ordered by time."""
    corrected = select(PhoneCheck.corrects_id).where(col(PhoneCheck.corrects_id).is_not(None))
    q = select(PhoneCheck).where(col(PhoneCheck.id).not_in(corrected))
    if since is not None:
        q = q.where(PhoneCheck.started_at >= since)
    if until is not None:
        q = q.where(PhoneCheck.started_at < until)
    if unit_id is not None:
        q = q.where(PhoneCheck.unit_id == unit_id)
    return list(session.exec(q.order_by(PhoneCheck.started_at)))


def history(session: Session, check_id: uuid.UUID) -> list[PhoneCheck]:
    """The entry and every entry it corrects, newest first."""
    out, cur = [], session.get(PhoneCheck, check_id)
    while cur is not None:
        out.append(cur)
        cur = session.get(PhoneCheck, cur.corrects_id) if cur.corrects_id else None
    return out
