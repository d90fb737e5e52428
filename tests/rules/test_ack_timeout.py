"""Acknowledged is not done: the ack timeout re-alerts the acknowledging person, then the steps go on."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from rules.incidents.escalation import (
    Action,
    EscalationPolicy,
    EscalationState,
    Step,
    Target,
    TargetKind,
    advance,
    from_snapshot,
    next_action,
    snapshot,
)

T0 = datetime(2026, 7, 3, 18, 0, tzinfo=timezone.utc)
M = timedelta(minutes=1)
LEAD, HEAD = Target(TargetKind.duty_leader_now), Target(TargetKind.unit_head)


def policy(timeout):
    return EscalationPolicy("p", (Step((LEAD,), ("wecom", "sms"), 10), Step((HEAD,), ("voice",), 10)),
                            ack_timeout_minutes=timeout, version=3)


def drive(snap, minutes, *, ack_at=None, progress_at=None):
    """Minute by minute: (minute, action, target kinds/refs) of every send."""
    state, sent = EscalationState(T0), []
    for m in range(minutes):
        now = T0 + m * M
        if ack_at is not None and m == ack_at:
            state = replace(state, acknowledged_at=now, acknowledged_by="p-lead")
        if progress_at is not None and m == progress_at:
            state = replace(state, progress_at=now)
        d = next_action(snap, state, now)
        if d.action in (Action.notify, Action.escalate, Action.ack_timeout):
            sent.append((m, d.action.value, [t.ref or t.kind.value for t in d.targets], d.channels))
            state = advance(state, d, now)
        elif d.action is Action.wait:
            assert d.wake_at > now
    return sent, next_action(snap, state, T0 + minutes * M)


def test_the_snapshot_keeps_the_timeout_and_the_version():
    snap = snapshot(policy(15))
    assert snap["ack_timeout_minutes"] == 15 and snap["policy_version"] == 3
    assert from_snapshot(snap) == policy(15)
    old = {k: v for k, v in snap.items() if k not in ("ack_timeout_minutes", "policy_version")}
    assert from_snapshot(old).ack_timeout_minutes is None  # snapshots from before: no timeout


def test_without_a_timeout_an_acknowledgement_stops_for_good():
    sent, last = drive(snapshot(policy(None)), 120, ack_at=3)
    assert [m for m, *_ in sent] == [0] and last.action is Action.stop


def test_no_followup_within_the_timeout_re_alerts_the_acknowledger_then_escalates():
    sent, last = drive(snapshot(policy(15)), 60, ack_at=3)
    assert sent == [(0, "notify", ["duty_leader_now"], ("wecom", "sms")),
                    (18, "ack_timeout", ["p-lead"], ("wecom", "sms")),  # 3 + 15: the one who acknowledged
                    (28, "escalate", ["unit_head"], ("voice",))]  # then the next step after its wait
    assert last.action is Action.exhausted


def test_a_followup_before_the_timeout_stops_it():
    sent, last = drive(snapshot(policy(15)), 60, ack_at=3, progress_at=17)
    assert [m for m, *_ in sent] == [0] and last.action is Action.stop


def test_a_followup_after_the_re_alert_stops_the_steps():
    sent, last = drive(snapshot(policy(15)), 60, ack_at=3, progress_at=20)
    assert [a for _, a, *_ in sent] == ["notify", "ack_timeout"] and last.action is Action.stop


def test_waits_until_the_timeout_and_closing_stops():
    state = EscalationState(T0, 1, T0, acknowledged_at=T0 + 2 * M, acknowledged_by="p-lead")
    d = next_action(snapshot(policy(15)), state, T0 + 5 * M)
    assert d.action is Action.wait and d.wake_at == T0 + 17 * M
    assert next_action(snapshot(policy(15)), replace(state, closed=True), T0 + 30 * M).action is Action.stop


def test_the_re_alert_happens_once():
    state = EscalationState(T0, 1, T0, acknowledged_at=T0, acknowledged_by="p-lead")
    d = next_action(snapshot(policy(5)), state, T0 + 5 * M)
    after = advance(state, d, T0 + 5 * M)
    assert after.realerted_at == T0 + 5 * M and after.fired == 1
    with pytest.raises(ValueError):
        advance(after, d, T0 + 6 * M)  # the same decision twice
    assert next_action(snapshot(policy(5)), after, T0 + 6 * M).action is Action.wait
