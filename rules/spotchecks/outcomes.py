"""Phone spot checks (电话抽查): outcomes, the IVR decision, circular escalations and monthly ranking; pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from rules.spotchecks.plan import (  # noqa: F401
    PlannedCheck,
    PlanWeights,
    Reason,
    SpotUnit,
    plan_checks,
)


class Outcome(StrEnum):
    normal = "normal"
    slow_answer = "slow_answer"  # more than 3 rings
    no_answer = "no_answer"
    busy = "busy"
    dead_number = "dead_number"
    non_duty_answered = "non_duty_answered"
    officer_absent = "officer_absent"
    leader_absent = "leader_absent"
    nonstandard_greeting = "nonstandard_greeting"
    unfamiliar = "unfamiliar"
    forwarded_to_mobile = "forwarded_to_mobile"
    answered_no_key = "answered_no_key"  # automated: answered, no confirm key within the timeout (or a late one)
    wrong_key = "wrong_key"  # automated: answered, a key other than the confirm key
    # automated with a duty code (值班识别码) asked after the confirm key:
    stand_in_answered = "stand_in_answered"  # the code of another person of the unit: a stand-in (代班/顶班)
    duty_code_wrong = "duty_code_wrong"  # a code that is nobody's in the unit
    duty_code_missing = "duty_code_missing"  # the confirm key, but no code within the timeout

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.normal: "正常",
    Outcome.slow_answer: "接听超过三声",
    Outcome.no_answer: "无人接听",
    Outcome.busy: "占线",
    Outcome.dead_number: "空号/停机",
    Outcome.non_duty_answered: "非值班人员接听",
    Outcome.officer_absent: "值班员不在岗",
    Outcome.leader_absent: "带班领导不在岗",
    Outcome.nonstandard_greeting: "接听用语不规范",
    Outcome.unfamiliar: "不熟悉值班业务",
    Outcome.forwarded_to_mobile: "呼叫转移至手机",
    Outcome.answered_no_key: "接听未按键确认",
    Outcome.wrong_key: "按键错误",
    Outcome.stand_in_answered: "非排班人员接听（代班/顶班）",
    Outcome.duty_code_wrong: "识别码错误",
    Outcome.duty_code_missing: "未输入识别码",
}


@dataclass(frozen=True)
class SpotCheckPolicy:
    """Which outcomes count as failures (不合格) or deficiencies (不规范); the rest pass."""

    failures: frozenset[Outcome] = frozenset({
        Outcome.no_answer, Outcome.dead_number, Outcome.non_duty_answered, Outcome.officer_absent,
        Outcome.leader_absent, Outcome.unfamiliar, Outcome.forwarded_to_mobile, Outcome.answered_no_key,
        Outcome.wrong_key, Outcome.stand_in_answered, Outcome.duty_code_wrong, Outcome.duty_code_missing})
    deficiencies: frozenset[Outcome] = frozenset({Outcome.slow_answer, Outcome.nonstandard_greeting})
    escalate_after_failures: int = 2  # per quarter → the unit head explains in writing
    ivr_key_timeout_seconds: int = 30
    ivr_retries: int = 2
    ivr_retry_minutes: int = 5


def is_failure(outcome: Outcome, policy: SpotCheckPolicy | None = None) -> bool:
    """True when the outcome counts as a failure in circulars and escalations."""
    return outcome in (policy or SpotCheckPolicy()).failures


class IvrResult(StrEnum):
    key_pressed = "key_pressed"
    answered_no_key = "answered_no_key"
    wrong_key = "wrong_key"  # answered and pressed another key than the confirm key
    no_answer = "no_answer"
    busy = "busy"
    failed = "failed"  # the number does not exist / network refused

    @property
    def label(self) -> str:
        return IVR_LABELS[self]


IVR_LABELS = {IvrResult.key_pressed: "已按键确认", IvrResult.answered_no_key: "接听未按键", IvrResult.wrong_key: "按键错误",
              IvrResult.no_answer: "无人接听", IvrResult.busy: "占线", IvrResult.failed: "呼叫失败"}


class CodeMatch(StrEnum):
    """Whose duty code (值班识别码) the answerer keyed after the confirm key."""

    rostered = "rostered"  # the person rostered at that hour
    unrostered_hour = "unrostered_hour"  # a person of the unit, and the unit has no roster for that hour
    other_person = "other_person"  # another person of the unit: a stand-in
    unknown = "unknown"  # a code that is nobody's in the unit
    missing = "missing"  # no code within the timeout


def match_code(person_id: str | None, entered: bool, rostered: frozenset[str] | None) -> CodeMatch:
    """Judge a keyed duty code against the roster: `person_id` is whose code it is (None: nobody's),
    `entered` whether any code came in time, `rostered` the people on duty then (None: no roster for that hour)."""
    if not entered:
        return CodeMatch.missing
    if person_id is None:
        return CodeMatch.unknown
    if rostered is None:
        return CodeMatch.unrostered_hour
    return CodeMatch.rostered if person_id in rostered else CodeMatch.other_person


def code_roster_match(match: CodeMatch | None) -> bool | None:
    """The record's roster judgement from a code: True/False when the code names a person and a roster exists."""
    return {CodeMatch.rostered: True, CodeMatch.other_person: False}.get(match) if match else None


@dataclass(frozen=True)
class IvrAttempt:
    at: datetime
    result: IvrResult
    key_after_seconds: float | None = None  # from answer to key press
    code: CodeMatch | None = None  # the duty code's judgement, when the plan asks for one


class IvrAction(StrEnum):
    call = "call"  # place a call at `at`
    present = "present"  # done: someone is on duty
    fail = "fail"  # done: record `outcome`


@dataclass(frozen=True)
class IvrDecision:
    action: IvrAction
    at: datetime | None = None
    attempt_no: int = 0  # 1-based number of the call to place
    outcome: Outcome | None = None


def confirmed(attempt: IvrAttempt, policy: SpotCheckPolicy | None = None) -> bool:
    """The confirm key within the timeout: the one fact that proves presence (a later key does not)."""
    p = policy or SpotCheckPolicy()
    return attempt.result is IvrResult.key_pressed and (attempt.key_after_seconds or 0) <= p.ivr_key_timeout_seconds


def ivr_next(attempts: Sequence[IvrAttempt], now: datetime, policy: SpotCheckPolicy | None = None,
             require_code: bool = False) -> IvrDecision:
    """Automated check: a key within the timeout is presence; else retry N times M minutes apart, then fail.

    With `require_code` presence also needs the duty code of the person rostered then (or of anyone in the unit
    when it has no roster for that hour); another person's code is a stand-in, recorded at once as a failure of its
    own (DOMAIN.md: 代班/顶班); a wrong or missing code is retried like a missing key."""
    p = policy or SpotCheckPolicy()
    for a in attempts:
        if not confirmed(a, p):
            continue
        if not require_code or a.code in (CodeMatch.rostered, CodeMatch.unrostered_hour):
            return IvrDecision(IvrAction.present, a.at, outcome=Outcome.normal)
        if a.code is CodeMatch.other_person:
            return IvrDecision(IvrAction.fail, now, outcome=Outcome.stand_in_answered)
    if not attempts:
        return IvrDecision(IvrAction.call, now, 1)
    if len(attempts) <= p.ivr_retries:
        last = max(a.at for a in attempts)
        return IvrDecision(IvrAction.call, max(now, last + timedelta(minutes=p.ivr_retry_minutes)), len(attempts) + 1)
    return IvrDecision(IvrAction.fail, now, outcome=ivr_failure(attempts, p if require_code else None))


def ivr_failure(attempts: Sequence[IvrAttempt], code_policy: SpotCheckPolicy | None = None) -> Outcome:
    """What the failed calls say: someone answered without the right key is never "no answer"; with a duty code
    asked (`code_policy` given), a confirmed call with a wrong code is 识别码错误, without one 未输入识别码."""
    if code_policy is not None:
        codes = {a.code for a in attempts if confirmed(a, code_policy)}
        if CodeMatch.unknown in codes:
            return Outcome.duty_code_wrong
        if codes:
            return Outcome.duty_code_missing
    results = {a.result for a in attempts}
    if IvrResult.wrong_key in results:
        return Outcome.wrong_key
    if results & {IvrResult.answered_no_key, IvrResult.key_pressed}:  # a key pressed too late is no confirmation
        return Outcome.answered_no_key
    if results == {IvrResult.failed}:
        return Outcome.dead_number
    return Outcome.busy if results == {IvrResult.busy} else Outcome.no_answer


@dataclass(frozen=True)
class CheckResult:
    at: datetime
    outcome: Outcome


def _local(at: datetime, tz: tzinfo | None) -> datetime:
    return at.astimezone(tz) if tz is not None else at


def circular_escalations(results_by_unit: Mapping[str, Sequence[CheckResult]], quarter: tuple[int, int],
                         policy: SpotCheckPolicy | None = None, tz: tzinfo | None = None) -> list[str]:
    """Units with ≥ N failures in the (year, quarter): their head must explain in writing."""
    p = policy or SpotCheckPolicy()
    year, q = quarter
    out = []
    for unit_id, results in results_by_unit.items():
        n = sum(1 for r in results if (lt := _local(r.at, tz)).year == year
                and (lt.month - 1) // 3 + 1 == q and r.outcome in p.failures)
        if n >= p.escalate_after_failures:
            out.append(unit_id)
    return sorted(out)


@dataclass(frozen=True)
class UnitMonth:
    unit_id: str
    checks: int
    failures: int
    deficiencies: int
    pass_rate: float  # share of checks that were not failures
    outcomes: Mapping[Outcome, int]
    rank: int = 0


def monthly_summary(results_by_unit: Mapping[str, Sequence[CheckResult]], year: int, month: int,
                    policy: SpotCheckPolicy | None = None, tz: tzinfo | None = None) -> list[UnitMonth]:
    """Per-unit results of one month for the circular (通报), ranked best first (ties share a rank)."""
    p = policy or SpotCheckPolicy()
    rows = []
    for unit_id, results in results_by_unit.items():
        mine = [r for r in results if (lt := _local(r.at, tz)).year == year and lt.month == month]
        if not mine:
            continue
        counts = Counter(r.outcome for r in mine)
        fails = sum(v for k, v in counts.items() if k in p.failures)
        defs = sum(v for k, v in counts.items() if k in p.deficiencies)
        rows.append(UnitMonth(unit_id, len(mine), fails, defs, (len(mine) - fails) / len(mine), dict(counts)))
    key = lambda r: (-r.pass_rate, r.failures, r.deficiencies)  # noqa: E731
    rows.sort(key=lambda r: (*key(r), r.unit_id))
    ranked, prev, rank = [], None, 0
    for i, r in enumerate(rows, 1):
        if key(r) != prev:
            rank, prev = i, key(r)
        ranked.append(UnitMonth(r.unit_id, r.checks, r.failures, r.deficiencies, r.pass_rate, r.outcomes, rank))
    return ranked
