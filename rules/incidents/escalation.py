"""Escalation policies as data, their frozen snapshot, and the next-step decision (升级通知); pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from rules.deliveries import ChannelChoice, next_channel, retry_delay  # noqa: F401 - re-exported
from rules.incidents.types import Category, Grade

DEFAULT_LADDER = ("wecom", "sms", "voice")  # message → SMS → voice call


class TargetKind(StrEnum):
    person = "person"  # ref = person id
    duty_leader_now = "duty_leader_now"  # 当班带班领导
    category_leader = "category_leader"  # 分管领导 for the incident's category
    unit_head = "unit_head"  # 主要领导 of the unit
    role = "role"  # ref = role name


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ref: str = ""


class AckRule(StrEnum):
    """Whose acknowledgement stops a step."""

    any = "any"  # any person the escalation reached (or the one they act for)
    all = "all"  # every person the step reached (each, or their acting person) must acknowledge


@dataclass(frozen=True)
class Step:
    """Notify `targets` over the channel ladder, then wait for an acknowledgement."""

    targets: tuple[Target, ...]
    channels: tuple[str, ...] = DEFAULT_LADDER
    wait_minutes: float = 10  # fractions allowed (tests and drills run steps seconds apart)
    ack: AckRule = AckRule.any


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0  # extra passes over all steps once the last one goes unacknowledged
    start_delay_minutes: float = 0
    # acknowledged, but no 续报 or instruction feedback within this many minutes: re-alert the acknowledging person,
    # then go on with the steps (PagerDuty's acknowledgement timeout); None: an acknowledgement stops for good
    ack_timeout_minutes: float | None = None
    version: int = 1  # the policy row's version this was built from


@dataclass(frozen=True)
class PolicyRule:
    """Selects `policy` when every given condition holds; None means 'any'."""

    policy: EscalationPolicy
    categories: frozenset[Category] | None = None
    min_grade: Grade | None = None  # e.g. III means grade III or more severe
    sensitive: bool | None = None


@dataclass(frozen=True)
class EscalationDefaults:
    """The numbers behind the default policies (DOMAIN.md: duty leader within 10 min)."""

    wait_minutes: int = 10
    severe_grade: Grade = Grade.III
    repeat: int = 1
    ladder: tuple[str, ...] = DEFAULT_LADDER


def default_rules(d: EscalationDefaults | None = None) -> list[PolicyRule]:
    """Grade III+ or sensitive: duty leader and 分管领导 at once, then the unit head; else one at a time."""
    d = d or EscalationDefaults()
    lead, cat, head = (Target(TargetKind.duty_leader_now), Target(TargetKind.category_leader),
                       Target(TargetKind.unit_head))
    severe = EscalationPolicy("severe", (
        Step((lead, cat), d.ladder, d.wait_minutes), Step((head,), d.ladder, d.wait_minutes)), d.repeat)
    routine = EscalationPolicy("routine", (
        Step((lead,), d.ladder, d.wait_minutes), Step((cat,), d.ladder, d.wait_minutes),
        Step((head,), d.ladder, d.wait_minutes)), d.repeat)
    return [PolicyRule(severe, min_grade=d.severe_grade), PolicyRule(severe, sensitive=True), PolicyRule(routine)]


def select_policy(rules: Sequence[PolicyRule], category: Category, grade: Grade | None,
                  sensitive: bool) -> EscalationPolicy:
    """The first rule that matches; an ungraded incident matches no min_grade rule."""
    for r in rules:
        if r.categories is not None and category not in r.categories:
            continue
        if r.min_grade is not None and (grade is None or not grade.at_least(r.min_grade)):
            continue
        if r.sensitive is not None and r.sensitive != sensitive:
            continue
        return r.policy
    raise LookupError("no escalation rule matches; add a catch-all rule")


def snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    """Freeze a policy into JSON-ready plain data, stored on the incident when it opens."""
    return {
        "version": 1, "name": policy.name, "repeat": policy.repeat,
        "start_delay_minutes": policy.start_delay_minutes, "ack_timeout_minutes": policy.ack_timeout_minutes,
        "policy_version": policy.version,
        "steps": [{"targets": [{"kind": t.kind.value, "ref": t.ref} for t in s.targets],
                   "channels": list(s.channels), "wait_minutes": s.wait_minutes, "ack": s.ack.value}
                  for s in policy.steps],
    }


def from_snapshot(data: Mapping[str, Any]) -> EscalationPolicy:
    """Rebuild the policy a snapshot froze (later edits to the live policy do not apply)."""
    steps = tuple(Step(tuple(Target(TargetKind(t["kind"]), t.get("ref", "")) for t in s["targets"]),
                       tuple(s["channels"]), _minutes(s["wait_minutes"]), AckRule(s.get("ack", "any")))
                  for s in data["steps"])
    timeout = data.get("ack_timeout_minutes")
    return EscalationPolicy(data["name"], steps, int(data.get("repeat", 0)),
                            _minutes(data.get("start_delay_minutes", 0)),
                            _minutes(timeout) if timeout is not None else None, int(data.get("policy_version", 1)))


def _minutes(value: Any) -> float | int:
    """Whole minutes stay ints (snapshots and messages read '10', not '10.0')."""
    f = float(value)
    return int(f) if f.is_integer() else f


@dataclass(frozen=True)
class EscalationState:
    """What the database row says; `fired` (steps fired so far) is also the fencing token."""

    started_at: datetime  # 接报 / incident opened
    fired: int = 0
    last_fired_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed: bool = False
    acknowledged_by: str = ""  # person id of the acknowledgement that stopped the step (ack timeout: re-alerted)
    progress_at: datetime | None = None  # the latest 续报 or instruction feedback
    realerted_at: datetime | None = None  # when the ack timeout re-alerted (once per incident)


class Action(StrEnum):
    notify = "notify"  # the first step
    escalate = "escalate"  # a later step: nobody acknowledged in time
    wait = "wait"
    exhausted = "exhausted"  # every step fired, nobody acknowledged: alert
    ack_timeout = "ack_timeout"  # acknowledged, then no 续报 or feedback in time: re-alert the acknowledging person
    stop = "stop"  # acknowledged or closed


@dataclass(frozen=True)
class Decision:
    action: Action
    seq: int  # claim with `UPDATE ... SET fired = seq + 1 WHERE fired = seq`
    step_index: int = -1
    pass_no: int = 0
    targets: tuple[Target, ...] = ()
    channels: tuple[str, ...] = ()
    wake_at: datetime | None = None  # when to ask again
    reason: str = ""


def next_action(snap: Mapping[str, Any] | EscalationPolicy, state: EscalationState, now: datetime) -> Decision:
    """Decide what the escalation does at `now`. An acknowledgement stops it, unless the policy has an ack timeout:
    then, with no 续报 or feedback (`progress_at`) by the timeout, the acknowledging person is re-alerted once and
    the steps go on until progress comes, the incident closes or every step has fired."""
    policy = snap if isinstance(snap, EscalationPolicy) else from_snapshot(snap)
    n = len(policy.steps)
    if state.closed:
        return Decision(Action.stop, state.fired, reason="事件已关闭")
    realerted = state.realerted_at is not None
    if state.acknowledged_at is not None and not realerted:
        timeout = policy.ack_timeout_minutes
        if timeout is None:
            return Decision(Action.stop, state.fired, reason="已确认，停止升级通知")
        if state.progress_at is not None and state.progress_at >= state.acknowledged_at:
            return Decision(Action.stop, state.fired, reason="已确认并已续报或反馈，停止升级通知")
        due = state.acknowledged_at + timedelta(minutes=timeout)
        if now < due:
            return Decision(Action.wait, state.fired, wake_at=due, reason="已确认，等待续报或反馈")
        idx = current_step(policy, state.fired)
        step = policy.steps[idx] if n else Step(())
        who = (Target(TargetKind.person, state.acknowledged_by),) if state.acknowledged_by else ()
        return Decision(Action.ack_timeout, state.fired, idx, max(state.fired - 1, 0) // max(n, 1), who,
                        step.channels, now + timedelta(minutes=step.wait_minutes),
                        f"已确认{timeout:g}分钟仍无续报或批示反馈，再次提醒")
    if realerted and state.progress_at is not None and state.progress_at >= state.realerted_at:
        return Decision(Action.stop, state.fired, reason="已续报或反馈，停止升级通知")
    if state.fired == 0:
        due = state.started_at + timedelta(minutes=policy.start_delay_minutes)
    else:
        prev = policy.steps[(state.fired - 1) % n]
        last = max(t for t in (state.last_fired_at, state.realerted_at, state.started_at) if t is not None)
        due = last + timedelta(minutes=prev.wait_minutes)
    if now < due:
        return Decision(Action.wait, state.fired, wake_at=due, reason="等待续报或反馈" if realerted else "等待确认")
    if n == 0 or state.fired >= n * (policy.repeat + 1):
        return Decision(Action.exhausted, state.fired, reason="已确认但所有步骤均已通知，仍无续报或反馈" if realerted
                        else "所有步骤均已通知，仍无人确认")
    idx, pass_no = state.fired % n, state.fired // n
    step = policy.steps[idx]
    action = Action.notify if state.fired == 0 else Action.escalate
    reason = ("首次通知" if action is Action.notify else
              f"再次提醒后{prev.wait_minutes:g}分钟仍无续报或反馈，升级至第{idx + 1}步" if realerted else
              f"{prev.wait_minutes:g}分钟内无人确认，升级至第{idx + 1}步")
    return Decision(action, state.fired, idx, pass_no, step.targets, step.channels,
                    now + timedelta(minutes=step.wait_minutes), reason)


@dataclass(frozen=True)
class Reached:
    """One person a step reached: `person`, acting for `for_person` (who is away) when set."""

    person: str
    for_person: str | None = None


def current_step(policy: EscalationPolicy, fired: int) -> int:
    """Index of the step whose acknowledgement is awaited: the last one fired (the first before any fired)."""
    n = len(policy.steps)
    return 0 if fired == 0 or n == 0 else (fired - 1) % n


def step_acknowledged(rule: AckRule, reached: Sequence[Reached], acked: set[str], eligible_ack: bool) -> bool:
    """Whether the acknowledgements `acked` (person ids) stop the step that reached `reached`.

    `any`: one acknowledgement from someone whose acknowledgement counts (`eligible_ack`). `all`: everyone the
    step reached, each either themself or through the person acting for them (or the one they act for)."""
    if rule is AckRule.any:
        return eligible_ack
    if not reached:
        return eligible_ack  # nobody reached yet (before the first step): as for any
    return all(r.person in acked or (r.for_person is not None and r.for_person in acked) for r in reached)


def advance(state: EscalationState, decision: Decision, now: datetime) -> EscalationState:
    """The state after carrying out a notify/escalate decision; stale decisions are refused."""
    if decision.action is Action.ack_timeout:
        if decision.seq != state.fired or state.realerted_at is not None:
            raise ValueError("stale decision: the ack timeout re-alerted already")
        return replace(state, realerted_at=now)
    if decision.action not in (Action.notify, Action.escalate):
        return state
    if decision.seq != state.fired:
        raise ValueError(f"stale decision: seq {decision.seq}, state at {state.fired}")
    return replace(state, fired=state.fired + 1, last_fired_at=now)
