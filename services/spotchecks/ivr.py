"""Automated spot checks (IVR): claim due checks, place calls, decide with rules.spotchecks.outcomes.ivr_next, record."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Person, Unit
from models.spotchecks.checks import (
    CheckMode,
    IvrAttempt,
    PhoneCheck,
    PlannedCheck,
    PlannedStatus,
    SpotCheckPlan,
)
from rules.spotchecks.outcomes import (
    CodeMatch,
    IvrAction,
    IvrResult,
    SpotCheckPolicy,
    code_roster_match,
    confirmed,
    ivr_next,
    match_code,
)
from rules.spotchecks.outcomes import IvrAttempt as RuleAttempt
from services import audit
from services.directory import duty_codes
from services.spotchecks import calls, roster
from services.spotchecks.attempts import CONFIRM_KEY, sync_from_delivery

log = logging.getLogger("dutydesk.spotchecks")
ACTOR = "system:spotcheck"


def _claim(session: Session, planned: PlannedCheck, frm: PlannedStatus, to: PlannedStatus) -> bool:
    """Move a planned check between states with one conditional update (a second claimer gets 0 rows)."""
    n = session.execute(update(PlannedCheck).where(PlannedCheck.id == planned.id, PlannedCheck.status == frm,
                                                PlannedCheck.claim == planned.claim)
                     .values(status=to, claim=planned.claim + 1)).rowcount
    session.refresh(planned)
    return n == 1


def attempts_of(session: Session, planned_id: uuid.UUID) -> list[IvrAttempt]:
    return list(session.exec(select(IvrAttempt).where(IvrAttempt.planned_check_id == planned_id)
                             .order_by(IvrAttempt.attempt_no)))


def _rule_attempt(a: IvrAttempt) -> RuleAttempt:
    after = None
    if a.key_at and a.answered_at and (a.ended_at is None or a.key_at < a.ended_at):
        after = max(0.0, (a.key_at - a.answered_at).total_seconds())  # a live key event: exact delay
    return RuleAttempt(a.placed_at or a.due_at, IvrResult(a.result), after, CodeMatch(a.code_match) if a.code_match
                       else None)


def requires_code(session: Session, planned: PlannedCheck) -> bool:
    """Does the planned check's plan ask the answerer for their duty code (值班识别码)?"""
    plan = session.get(SpotCheckPlan, planned.plan_id)
    return bool(plan and plan.require_duty_code and planned.mode == CheckMode.automated)


def _rostered(session: Session, unit_id: uuid.UUID, at: datetime) -> list[roster.OnDuty] | None:
    return roster.on_duty(session, unit_id, at)


def take_code(session: Session, planned: PlannedCheck, a: IvrAttempt, code: str, at: datetime,
              settings: Settings) -> bool:
    """Judge a keyed duty code once per call: whose it is, against the roster of the call's time; a code keyed
    later than the key timeout after the confirm key counts as none. True when this changed the attempt."""
    if a.code_match or a.key_at is None or not requires_code(session, planned):
        return False
    if at > a.key_at + timedelta(seconds=settings.spotchecks.key_timeout_seconds):
        a.code_match, a.code_at = CodeMatch.missing.value, at
        return True
    person = duty_codes.whose(session, planned.unit_id, code, settings)
    on_duty = _rostered(session, planned.unit_id, a.answered_at or a.key_at)
    rostered = None if on_duty is None else frozenset(str(r.person_id) for r in on_duty)
    a.code_match = match_code(str(person.id) if person else None, True, rostered).value
    a.code_at, a.code_person_id = at, person.id if person else None
    return True


def _awaiting_code(a: IvrAttempt, require: bool) -> bool:
    return require and a.result == IvrResult.key_pressed and not a.code_match


def prompt(settings: Settings, require_code: bool) -> str:
    """What the call says: the confirm-key prompt, then (when the plan asks) the duty-code prompt."""
    cfg = settings.spotchecks
    return cfg.tts_text + (cfg.duty_code_prompt if require_code else "")


def _place(session: Session, planned: PlannedCheck, attempt_no: int, due: datetime, now: datetime,
           settings: Settings) -> IvrAttempt:
    attempt = IvrAttempt(planned_check_id=planned.id, attempt_no=attempt_no, due_at=due, status="calling")
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # another round placed this attempt already
        return session.exec(select(IvrAttempt).where(IvrAttempt.planned_check_id == planned.id,
                                                     IvrAttempt.attempt_no == attempt_no)).one()
    unit = session.get(Unit, planned.unit_id)
    if not unit.duty_phone:
        attempt.result, attempt.status, attempt.detail = IvrResult.failed, "failed", "单位未登记值班电话"
    else:
        try:
            code = requires_code(session, planned)  # this call's own: the plan's choice, not the default for new plans
            cfg = settings.spotchecks.model_copy(update={"tts_text": prompt(settings, code), "require_duty_code": code})
            attempt.delivery_id = calls.placer(session, attempt, planned, unit, now, cfg)
        except Exception as exc:  # a refused enqueue is a failed attempt, visible, retried by the rule
            log.warning("spot-check call for %s not placed: %s", unit.name, exc)
            attempt.result, attempt.status, attempt.detail = IvrResult.failed, "failed", f"未能发起呼叫：{exc}"[:300]
    session.add(attempt)
    session.flush()
    audit.record(session=session, actor=ACTOR, action="call", entity="ivr_attempt", entity_id=attempt.id,
                 unit_id=planned.unit_id, after=attempt, at=now, note=f"第{attempt_no}次自动呼叫")
    return attempt


def ivr_policy(settings: Settings) -> SpotCheckPolicy:
    """The rules' spot-check policy with this deployment's IVR numbers (key timeout, retries, their gap)."""
    cfg = settings.spotchecks
    return SpotCheckPolicy(ivr_key_timeout_seconds=cfg.key_timeout_seconds, ivr_retries=cfg.retries,
                           ivr_retry_minutes=cfg.retry_minutes)


def start_due(*, session: Session, now: datetime, settings: Settings) -> list[PlannedCheck]:
    """Claim every due automated check (when a voice channel exists) and place its first call."""
    if not calls.voice_available(session, settings.spotchecks) and calls.placer is calls.place_via_deliveries:
        return []
    due = session.exec(select(PlannedCheck).where(PlannedCheck.mode == CheckMode.automated,
                                                  PlannedCheck.status == PlannedStatus.planned,
                                                  PlannedCheck.planned_at <= now)).all()
    started = []
    for planned in due:
        if _claim(session, planned, PlannedStatus.planned, PlannedStatus.calling):
            _place(session, planned, 1, now, now, settings)
            started.append(planned)
    return started


def _time_out(session: Session, a: IvrAttempt, now: datetime, settings: Settings, require: bool = False) -> None:
    """Finish an attempt whose last receipt will not come: answered without key, or nothing at all; with a duty
    code asked, a confirm key with no code by the key timeout (and the receipts' grace) is no code."""
    sync_from_delivery(session, a, now)
    cfg = settings.spotchecks
    if _awaiting_code(a, require):
        if a.key_at and now >= a.key_at + timedelta(seconds=cfg.key_timeout_seconds + 30):
            a.code_match = CodeMatch.missing.value
            session.add(a)
            session.flush()
        return
    if a.result is not None:
        return
    if a.answered_at and now >= a.answered_at + timedelta(seconds=cfg.key_timeout_seconds + 30):
        wrong = a.key and a.key != CONFIRM_KEY  # answered and pressed another key: its own outcome
        a.result = IvrResult.wrong_key if wrong else IvrResult.answered_no_key
        a.status = a.result.value
    elif a.answered_at is None and now >= (a.placed_at or a.due_at) + timedelta(minutes=cfg.no_receipt_minutes):
        a.result, a.status, a.detail = IvrResult.no_answer, "no_answer", (a.detail or "超时无回执")[:300]
    else:
        return
    session.add(a)
    session.flush()


def advance(*, session: Session, planned: PlannedCheck, now: datetime, settings: Settings) -> str:
    """One step of an automated check: wait, call again, or record the result."""
    attempts = attempts_of(session, planned.id)
    require = requires_code(session, planned)
    for a in attempts:
        if a.result is None or _awaiting_code(a, require):
            _time_out(session, a, now, settings, require)
    done = [a for a in attempts if a.result is not None and not _awaiting_code(a, require)]
    if any(_awaiting_code(a, require) for a in attempts):
        return "waiting"  # the confirm key came; its code may still come
    decision = ivr_next([_rule_attempt(a) for a in done], now, ivr_policy(settings), require_code=require)
    if decision.action is IvrAction.call:
        if any(a.result is None for a in attempts) or decision.at > now:
            return "waiting"
        placed = _place(session, planned, decision.attempt_no, decision.at, now, settings)
        if placed.result is not None:  # refused at once: decide again (the next call may already be due)
            return advance(session=session, planned=planned, now=now, settings=settings)
        return "called"
    if decision.action is IvrAction.fail and not any(a.provider_call_id for a in done):
        return _hand_over(session, planned, now)
    if not _claim(session, planned, PlannedStatus.calling, PlannedStatus.done):
        return "done"
    _record(session, planned, done, decision.outcome, now, settings.spotchecks.key_timeout_seconds, require)
    return decision.action.value


def _hand_over(session: Session, planned: PlannedCheck, now: datetime) -> str:
    """No call was ever placed: our channel failed, not the unit; the duty officer phones instead (call-now list)."""
    if not _claim(session, planned, PlannedStatus.calling, PlannedStatus.planned):
        return "done"
    planned.mode = CheckMode.manual
    session.add(planned)
    session.flush()
    audit.record(session=session, actor=ACTOR, action="hand_over", entity="planned_check", entity_id=planned.id,
                 unit_id=planned.unit_id, after={"mode": "manual"}, at=now, note="自动呼叫未能发起，转人工抽查")
    log.error("spot check of unit %s handed to the duty officer: no call could be placed", planned.unit_id)
    return "handed_over"


def in_time(a: IvrAttempt, timeout_seconds: int) -> bool:
    """A confirm key pressed within the timeout (rules.spotchecks.outcomes.confirmed)."""
    return a.result is not None and confirmed(_rule_attempt(a), SpotCheckPolicy(ivr_key_timeout_seconds=timeout_seconds))


CODE_TEXT = {CodeMatch.rostered: "识别码为排班人员", CodeMatch.unrostered_hour: "识别码有效（该时段无排班）",
             CodeMatch.other_person: "识别码为非排班人员", CodeMatch.unknown: "识别码错误",
             CodeMatch.missing: "未输入识别码"}


def _attempt_text(a: IvrAttempt, timeout_seconds: int, names: dict | None = None) -> str:
    late = a.result == IvrResult.key_pressed and not in_time(a, timeout_seconds)
    label = f"按键超时（{timeout_seconds}秒后）" if late else _ivr_label(a.result)
    if a.key and a.result in (IvrResult.wrong_key, IvrResult.answered_no_key) and a.key != CONFIRM_KEY:
        label += f"（按{a.key}）"
    if a.code_match and not late:
        who = (names or {}).get(a.code_person_id)
        label += "，" + CODE_TEXT[CodeMatch(a.code_match)] + (f"（{who}）" if who else "")
    return f"第{a.attempt_no}次 {label}" + (f"（{a.detail}）" if a.detail else "")


def _deciding(done: list[IvrAttempt], require: bool, timeout_seconds: int) -> IvrAttempt:
    """The call the result rests on: the confirmed one whose code decided, else the first key press, else the last."""
    if require:
        order = (CodeMatch.rostered, CodeMatch.unrostered_hour, CodeMatch.other_person, CodeMatch.unknown,
                 CodeMatch.missing)
        for match in order:
            hit = next((a for a in done if a.code_match == match and in_time(a, timeout_seconds)), None)
            if hit is not None:
                return hit
    return next((a for a in done if a.result == IvrResult.key_pressed), done[-1])


def _record(session: Session, planned: PlannedCheck, done: list[IvrAttempt], outcome, now: datetime,
            timeout_seconds: int, require: bool = False) -> PhoneCheck:
    deciding = _deciding(done, require, timeout_seconds)
    first = done[0]
    names = {p.id: p.name for p in session.exec(select(Person).where(
        Person.id.in_([a.code_person_id for a in done if a.code_person_id])))} if require else {}
    answerer, match, rostered = None, None, ""
    if require and deciding.code_match:
        match = CodeMatch(deciding.code_match)
        answerer = deciding.code_person_id
        on_duty = _rostered(session, planned.unit_id, deciding.answered_at or deciding.key_at or first.due_at)
        rostered = "、".join(r.name for r in on_duty or [])[:200]
    check = PhoneCheck(
        unit_id=planned.unit_id, planned_check_id=planned.id, mode=CheckMode.automated,
        started_at=first.placed_at or first.due_at, ring_at=deciding.ring_at, answered_at=deciding.answered_at,
        key_at=deciding.key_at, outcome=outcome.value, recorded_by=ACTOR, recorded_at=now,
        answered_person_id=answerer, answered_by=names.get(answerer, "")[:60] if answerer else "",
        roster_match=code_roster_match(match), rostered=rostered,
        notes=("自动语音抽查：" + "；".join(_attempt_text(a, timeout_seconds, names) for a in done))[:1000],
    )
    session.add(check)
    session.flush()
    audit.record(session=session, actor=ACTOR, action="create", entity="phone_check", entity_id=check.id,
                 unit_id=planned.unit_id, after=check, at=now, note=f"自动抽查：{outcome.label}")
    return check


def run_round(*, session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    """Start due automated checks and move every running one on; returns counts for the flow's log."""
    started = start_due(session=session, now=now, settings=settings)
    counts = {"started": len(started), "called": 0, "present": 0, "fail": 0, "waiting": 0}
    running = session.exec(select(PlannedCheck).where(PlannedCheck.status == PlannedStatus.calling)).all()
    for planned in running:
        state = advance(session=session, planned=planned, now=now, settings=settings)
        counts[state] = counts.get(state, 0) + 1
    return counts


def _ivr_label(result) -> str:
    try:
        return IvrResult(result).label
    except ValueError:
        return str(result)
