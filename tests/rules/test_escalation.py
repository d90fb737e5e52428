"""Escalation: policy selection, snapshots, next_action, channel fallback and retry backoff."""

import itertools
import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from rules.deliveries import Attempt, next_channel, retry_delay
from rules.deliveries import AttemptOutcome as O
from rules.incidents import Category, Grade
from rules.incidents.escalation import (
    Action,
    EscalationDefaults,
    EscalationPolicy,
    EscalationState,
    PolicyRule,
    Step,
    Target,
    TargetKind,
    advance,
    default_rules,
    from_snapshot,
    next_action,
    select_policy,
    snapshot,
)

T0 = datetime(2026, 7, 3, 18, 0, tzinfo=timezone.utc)
M = timedelta(minutes=1)


def kinds(targets):
    return [t.kind.value for t in targets]


def test_policy_selection_sweep():
    rules = default_rules()
    for cat, grade, sensitive in itertools.product(Category, [*Grade, None], (False, True)):
        p = select_policy(rules, cat, grade, sensitive)
        severe = sensitive or (grade is not None and grade <= Grade.III)
        assert p.name == ("severe" if severe else "routine"), (cat, grade, sensitive)
        first = kinds(p.steps[0].targets)
        assert first[0] == "duty_leader_now"  # the duty leader is always in the first step
        assert ("category_leader" in first) == severe


def test_selection_by_category_and_missing_catch_all():
    special = EscalationPolicy("flood", (Step((Target(TargetKind.role, "防汛办"),)),))
    rules = [PolicyRule(special, categories=frozenset({Category.natural_disaster})), *default_rules()]
    assert select_policy(rules, Category.natural_disaster, Grade.IV, False) is special
    assert select_policy(rules, Category.accident, Grade.IV, False).name == "routine"
    with pytest.raises(LookupError):
        select_policy(rules[:1], Category.accident, Grade.IV, False)


def test_snapshot_is_plain_frozen_data():
    policy = select_policy(default_rules(), Category.natural_disaster, Grade.II, False)
    snap = snapshot(policy)
    assert json.loads(json.dumps(snap)) == snap
    assert from_snapshot(snap) == policy
    edited = replace(policy, steps=policy.steps[:1])  # a later edit does not touch the snapshot
    assert len(snap["steps"]) == 2 and len(snapshot(edited)["steps"]) == 1


def run(snap, minutes, ack_at=None):
    """Drive next_action minute by minute; return (minute, action, step targets) of every send."""
    state, sent = EscalationState(T0), []
    for m in range(minutes):
        now = T0 + m * M
        if ack_at is not None and m >= ack_at:
            state = replace(state, acknowledged_at=T0 + ack_at * M)
        d = next_action(snap, state, now)
        if d.action in (Action.notify, Action.escalate):
            sent.append((m, d.action.value, kinds(d.targets)))
            state = advance(state, d, now)
        elif d.action is Action.wait:
            assert d.wake_at > now
    return sent, next_action(snap, state, T0 + minutes * M)


def test_grade_two_landslide_scenario():
    snap = snapshot(select_policy(default_rules(), Category.natural_disaster, Grade.II, False))
    sent, last = run(snap, 60)
    assert sent == [(0, "notify", ["duty_leader_now", "category_leader"]), (10, "escalate", ["unit_head"]),
                    (20, "escalate", ["duty_leader_now", "category_leader"]), (30, "escalate", ["unit_head"])]
    assert last.action is Action.exhausted
    sent, last = run(snap, 60, ack_at=12)
    assert [m for m, *_ in sent] == [0, 10] and last.action is Action.stop


def test_acknowledged_is_never_notified_again_sweep():
    snap = snapshot(EscalationPolicy("p", (Step((Target(TargetKind.person, "a"),), wait_minutes=3),) * 3, 2))
    for fired, offset in itertools.product(range(12), range(-5, 60, 7)):
        state = EscalationState(T0, fired, T0 + fired * M, acknowledged_at=T0)
        assert next_action(snap, state, T0 + offset * M).action is Action.stop
        assert next_action(snap, replace(state, acknowledged_at=None, closed=True), T0).action is Action.stop


def test_waits_until_due_and_fences_stale_decisions():
    snap = snapshot(EscalationPolicy("p", (Step((Target(TargetKind.person, "a"),), wait_minutes=5),),
                                     start_delay_minutes=2))
    assert next_action(snap, EscalationState(T0), T0).wake_at == T0 + 2 * M
    d = next_action(snap, EscalationState(T0), T0 + 2 * M)
    assert (d.action, d.seq, d.step_index) == (Action.notify, 0, 0)
    state = advance(EscalationState(T0), d, T0 + 2 * M)
    with pytest.raises(ValueError):
        advance(state, d, T0 + 3 * M)  # the same decision twice does nothing but fail
    assert next_action(snap, state, T0 + 6 * M).wake_at == T0 + 7 * M
    assert next_action(snap, state, T0 + 7 * M).action is Action.exhausted


def test_defaults_are_configurable():
    rules = default_rules(EscalationDefaults(wait_minutes=5, repeat=0, ladder=("sms",)))
    p = select_policy(rules, Category.accident, Grade.IV, False)
    assert {s.wait_minutes for s in p.steps} == {5} and p.steps[0].channels == ("sms",)


LADDER = ("wecom", "sms", "voice")


@pytest.mark.parametrize("attempts,channel,retry,exhausted", [
    ([], "wecom", False, False),
    ([("wecom", O.retryable)], "wecom", True, False),
    ([("wecom", O.retryable)] * 3, "sms", False, False),
    ([("wecom", O.permanent)], "sms", False, False),
    ([("wecom", O.unknown)], "sms", False, False),  # outcome unknown: never resent blindly
    ([("wecom", O.permanent), ("sms", O.permanent), ("voice", O.retryable)], "voice", True, False),
    ([("wecom", O.permanent), ("sms", O.permanent), ("voice", O.permanent)], None, False, True),
    ([("wecom", O.retryable), ("wecom", O.delivered)], None, False, False),
])
def test_next_channel(attempts, channel, retry, exhausted):
    c = next_channel(LADDER, [Attempt(ch, o) for ch, o in attempts])
    assert (c.channel, c.retry, c.exhausted) == (channel, retry, exhausted)


def test_retry_delay():
    assert [retry_delay(n, 2, 60) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    rng = random.Random(7)
    for n in range(1, 40):
        d = retry_delay(n, 2, 60, rng=rng)
        ceiling = min(60, 2 * 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert retry_delay(3, 2, 60, jitter_seed=1) == retry_delay(3, 2, 60, jitter_seed=1)
    assert len({retry_delay(6, 2, 60, jitter_seed=s) for s in range(20)}) > 10  # jitter spreads
    assert retry_delay(1, 2, 60, jitter_seed=1, retry_after=120) == 120  # Retry-After beats the cap
    with pytest.raises(ValueError):
        retry_delay(0)
