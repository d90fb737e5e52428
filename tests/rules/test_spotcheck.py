"""Spot checks: outcomes, plan properties for 3,000 units, IVR decisions, circulars and ranking."""

import random
import time as clock
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.rosters.calendar import DayKind, HolidayCalendar
from rules.spotchecks.outcomes import (
    CheckResult,
    CodeMatch,
    IvrAction,
    IvrAttempt,
    IvrResult,
    Outcome,
    PlanWeights,
    SpotCheckPolicy,
    SpotUnit,
    circular_escalations,
    code_roster_match,
    is_failure,
    ivr_next,
    match_code,
    monthly_summary,
    plan_checks,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar()
UNITS = [SpotUnit(f"u{i:04d}", f"单位{i}") for i in range(3000)]
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


def test_outcomes_have_labels_and_failure_classes():
    assert len(Outcome) == 16 and all(o.label for o in Outcome)
    assert not is_failure(Outcome.normal) and is_failure(Outcome.no_answer)
    assert not is_failure(Outcome.slow_answer)  # a deficiency (不规范), not a failure
    assert is_failure(Outcome.slow_answer, SpotCheckPolicy(failures=frozenset({Outcome.slow_answer})))


def plan(**kw):
    args = dict(units=UNITS, period_start=Q3[0], period_end=Q3[1], tz=SH, seed=2026)
    return plan_checks(**{**args, **kw})


def test_plan_quota_reproducible_and_fast():
    started = clock.perf_counter()
    p = plan(min_per_quarter=2)
    elapsed = clock.perf_counter() - started
    assert elapsed < 2.0, elapsed
    per_unit = Counter(c.unit_id for c in p)
    assert set(per_unit) == {u.id for u in UNITS} and min(per_unit.values()) == 2
    assert all(datetime(2026, 7, 1, tzinfo=SH) <= c.at < datetime(2026, 10, 1, tzinfo=SH) for c in p)
    assert all(c.at.tzinfo is SH and c.why for c in p)
    assert p == plan(min_per_quarter=2)
    shuffled = UNITS[:]
    random.Random(1).shuffle(shuffled)
    assert p == plan(units=shuffled, min_per_quarter=2)  # input order does not matter
    assert p != plan(min_per_quarter=2, seed=2027)


def test_checks_of_a_unit_are_spread_over_the_period():
    p = plan(min_per_quarter=3)
    thirds = [datetime(2026, 7, 1, tzinfo=SH) + timedelta(days=92 * i / 3) for i in range(4)]
    for uid in ("u0000", "u1234", "u2999"):
        times = sorted(c.at for c in p if c.unit_id == uid)
        assert [thirds[i] <= t < thirds[i + 1] + timedelta(hours=1) for i, t in enumerate(times)] == [True] * 3


def night(c):
    return c.at.hour >= 22 or c.at.hour < 7


def test_weights_shift_the_distribution():
    flat = PlanWeights(night=1, weekend=1, holiday=1, flood_season=1)
    hours_share = 9 / 24
    flat_share = sum(map(night, plan(weights=flat))) / 3000
    night_share = sum(map(night, plan())) / 3000
    assert abs(flat_share - hours_share) < 0.04
    assert night_share > flat_share + 0.15  # 3x weight: expected share 27/42 ≈ 0.64
    weekend = [c for c in plan(weights=PlanWeights(night=1, weekend=10, holiday=1)) if c.at.weekday() >= 5]
    assert len(weekend) / 3000 > 0.6
    for c in weekend:  # a make-up workday (调休) is no weekend, a holiday is named as such
        kind = CAL.day(c.at.date()).kind
        assert ("周末" in c.why) == (kind is DayKind.weekend), c
        assert ("节假日（中秋节）" in c.why) == (kind is DayKind.holiday), c


def test_holidays_are_named_and_weighted():
    p = plan_checks(UNITS, *Q4, SH, 1, PlanWeights(holiday=20, night=1, weekend=1))
    golden_week = [c for c in p if date(2026, 10, 1) <= c.at.date() <= date(2026, 10, 7)]
    assert len(golden_week) / len(p) > 0.4  # 7 of 92 days, weighted 20x
    assert all("节假日（国庆节）" in c.why for c in golden_week)
    assert all("汛期" not in c.why for c in p if c.at.date() > date(2026, 10, 15))


def test_recent_failures_get_more_checks_with_the_reason():
    fails = {"u0001": 1, "u0002": 2, "u0003": 9}
    per_unit = Counter(c.unit_id for c in plan(recent_failures=fails))
    assert (per_unit["u0000"], per_unit["u0001"], per_unit["u0002"], per_unit["u0003"]) == (1, 2, 3, 3)
    extra = [c for c in plan(recent_failures=fails) if c.unit_id == "u0002"]
    assert sum("近期抽查不合格2次" in c.why for c in extra) == 2


T = datetime(2026, 7, 3, 23, 0, tzinfo=SH)
M = timedelta(minutes=1)


@pytest.mark.parametrize("attempts,action,at,attempt_no,outcome", [
    ([], IvrAction.call, T, 1, None),
    ([(0, IvrResult.key_pressed, 12)], IvrAction.present, T, 0, Outcome.normal),
    ([(0, IvrResult.key_pressed, 30)], IvrAction.present, T, 0, Outcome.normal),
    ([(0, IvrResult.key_pressed, 31)], IvrAction.call, T + 5 * M, 2, None),
    ([(0, IvrResult.no_answer, None)], IvrAction.call, T + 5 * M, 2, None),
    ([(0, IvrResult.no_answer, None), (5, IvrResult.busy, None)], IvrAction.call, T + 10 * M, 3, None),
    ([(0, IvrResult.no_answer, None), (5, IvrResult.key_pressed, 3)], IvrAction.present, T + 5 * M, 0,
     Outcome.normal),
    # answered without the right key is its own outcome, never 无人接听 (a late key, no key, another key)
    ([(0, IvrResult.no_answer, None), (5, IvrResult.answered_no_key, None), (10, IvrResult.no_answer, None)],
     IvrAction.fail, T + 20 * M, 0, Outcome.answered_no_key),
    ([(0, IvrResult.key_pressed, 45), (5, IvrResult.no_answer, None), (10, IvrResult.busy, None)],
     IvrAction.fail, T + 20 * M, 0, Outcome.answered_no_key),
    ([(0, IvrResult.wrong_key, None), (5, IvrResult.answered_no_key, None), (10, IvrResult.no_answer, None)],
     IvrAction.fail, T + 20 * M, 0, Outcome.wrong_key),
    ([(0, IvrResult.no_answer, None), (5, IvrResult.busy, None), (10, IvrResult.no_answer, None)],
     IvrAction.fail, T + 20 * M, 0, Outcome.no_answer),
    ([(0, IvrResult.failed, None)] * 3, IvrAction.fail, T + 20 * M, 0, Outcome.dead_number),
    ([(0, IvrResult.busy, None)] * 3, IvrAction.fail, T + 20 * M, 0, Outcome.busy),
])
def test_ivr_next(attempts, action, at, attempt_no, outcome):
    now = T + 20 * M if len(attempts) == 3 else T
    d = ivr_next([IvrAttempt(T + m * M, r, k) for m, r, k in attempts], now)
    assert (d.action, d.at, d.attempt_no, d.outcome) == (action, at, attempt_no, outcome)


def r(month, day, outcome):
    return CheckResult(datetime(2026, month, day, 22, tzinfo=SH), outcome)


RESULTS = {
    "a": [r(7, 1, Outcome.no_answer), r(9, 30, Outcome.officer_absent)],
    "b": [r(7, 1, Outcome.no_answer), r(10, 1, Outcome.officer_absent), r(8, 1, Outcome.slow_answer)],
    "c": [r(7, 3, Outcome.normal), r(7, 9, Outcome.slow_answer)],
    "d": [r(7, 2, Outcome.normal)],
    "e": [r(7, 2, Outcome.dead_number), r(7, 5, Outcome.normal)],
}


def test_answered_without_the_right_key_fails_and_is_labelled_apart():
    assert {Outcome.answered_no_key.label, Outcome.wrong_key.label} == {"接听未按键确认", "按键错误"}
    assert is_failure(Outcome.answered_no_key) and is_failure(Outcome.wrong_key)
    summary = monthly_summary({"a": [r(7, 1, Outcome.answered_no_key), r(7, 2, Outcome.no_answer)]}, 2026, 7)
    assert summary[0].outcomes == {Outcome.answered_no_key: 1, Outcome.no_answer: 1}


def test_circular_escalations():
    assert circular_escalations(RESULTS, (2026, 3)) == ["a"]
    assert circular_escalations(RESULTS, (2026, 4)) == []
    assert circular_escalations(RESULTS, (2026, 3), SpotCheckPolicy(escalate_after_failures=1)) == ["a", "b", "e"]


def test_monthly_summary_ranking():
    rows = monthly_summary(RESULTS, 2026, 7)
    assert [(x.unit_id, x.rank, x.checks, x.failures) for x in rows] == [
        ("d", 1, 1, 0), ("c", 2, 2, 0), ("e", 3, 2, 1), ("a", 4, 1, 1), ("b", 4, 1, 1)]
    assert rows[1].deficiencies == 1 and rows[2].pass_rate == 0.5


def test_explanations_count_the_quarter_and_are_reminded_once_past_due():
    from rules.spotchecks.explanations import Owed, overdue, quarter_span, remind_now

    assert quarter_span(2026, 3, SH) == (datetime(2026, 7, 1, tzinfo=SH), datetime(2026, 10, 1, tzinfo=SH))
    assert quarter_span(2026, 4, SH)[1] == datetime(2027, 1, 1, tzinfo=SH)
    asked = datetime(2026, 10, 8, 9, tzinfo=SH)
    req = Owed(answered=False, requested_at=asked, due_at=asked + timedelta(days=10), reminded_at=None)
    assert not overdue(req, asked + timedelta(days=10) - M, 10) and overdue(req, asked + timedelta(days=10), 10)
    assert remind_now(req, asked + timedelta(days=11), 10)
    assert not remind_now(Owed(False, asked, req.due_at, asked + timedelta(days=10)), asked + timedelta(days=11), 10)
    assert not overdue(Owed(True, asked, req.due_at, None), asked + timedelta(days=30), 10)
    assert overdue(Owed(False, asked, None, None), asked + timedelta(days=7), 7)  # an old request: N days after


# A duty code (值班识别码) keyed after the confirm key, judged against the roster of that hour.

def test_a_keyed_duty_code_is_judged_against_the_roster():
    on_duty = frozenset({"p1"})
    assert match_code("p1", True, on_duty) is CodeMatch.rostered
    assert match_code("p2", True, on_duty) is CodeMatch.other_person  # another person of the unit: a stand-in
    assert match_code(None, True, on_duty) is CodeMatch.unknown  # nobody's code
    assert match_code(None, False, on_duty) is CodeMatch.missing and match_code("p1", False, on_duty) is CodeMatch.missing
    assert match_code("p2", True, None) is CodeMatch.unrostered_hour  # no roster then: identified, not judged
    assert [code_roster_match(m) for m in CodeMatch] == [True, None, False, None, None]


def test_the_code_outcomes_are_failures_of_their_own_with_words():
    assert (Outcome.stand_in_answered.label, Outcome.duty_code_wrong.label, Outcome.duty_code_missing.label) == (
        "非排班人员接听（代班/顶班）", "识别码错误", "未输入识别码")
    assert all(is_failure(o) for o in (Outcome.stand_in_answered, Outcome.duty_code_wrong, Outcome.duty_code_missing))
    assert Outcome.stand_in_answered.label != Outcome.non_duty_answered.label


def K(m, code, after=5):
    return IvrAttempt(T + m * M, IvrResult.key_pressed, after, code)


@pytest.mark.parametrize("attempts,action,attempt_no,outcome", [
    ([K(0, CodeMatch.rostered)], IvrAction.present, 0, Outcome.normal),
    ([K(0, CodeMatch.unrostered_hour)], IvrAction.present, 0, Outcome.normal),
    # a stand-in is a fact: recorded at once, not called again
    ([K(0, CodeMatch.other_person)], IvrAction.fail, 0, Outcome.stand_in_answered),
    # a wrong or missing code is retried like a missing key
    ([K(0, CodeMatch.unknown)], IvrAction.call, 2, None),
    ([K(0, CodeMatch.missing)], IvrAction.call, 2, None),
    ([K(0, CodeMatch.unknown), K(5, CodeMatch.rostered)], IvrAction.present, 0, Outcome.normal),
    ([K(0, CodeMatch.missing), K(5, CodeMatch.unknown), IvrAttempt(T + 10 * M, IvrResult.no_answer)],
     IvrAction.fail, 0, Outcome.duty_code_wrong),
    ([K(0, CodeMatch.missing), IvrAttempt(T + 5 * M, IvrResult.busy), K(10, CodeMatch.missing)],
     IvrAction.fail, 0, Outcome.duty_code_missing),
    # a code after a key pressed too late proves nothing: the late key's own outcome
    ([K(0, CodeMatch.rostered, 45), IvrAttempt(T + 5 * M, IvrResult.no_answer), IvrAttempt(T + 10 * M, IvrResult.no_answer)],
     IvrAction.fail, 0, Outcome.answered_no_key),
    # no answer at all stays 无人接听
    ([IvrAttempt(T + m * M, IvrResult.no_answer) for m in (0, 5, 10)], IvrAction.fail, 0, Outcome.no_answer),
])
def test_ivr_next_with_a_duty_code(attempts, action, attempt_no, outcome):
    d = ivr_next(attempts, T + 20 * M, require_code=True)
    assert (d.action, d.attempt_no, d.outcome) == (action, attempt_no, outcome)


def test_without_the_plan_setting_the_code_is_not_asked_for():
    assert ivr_next([K(0, None)], T).action is IvrAction.present
    assert ivr_next([K(0, None)], T, require_code=True).action is IvrAction.call
