"""Escalation policies as rows (升级策略): validate, store, and turn into the rules' PolicyRules."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import Conflict, Invalid
from models.incidents.escalation import PolicyRuleRow, PolicyVersionRow
from models.types import INPUT
from rules.incidents import Category, Grade
from rules.incidents import escalation as esc
from services import audit


MAX_MINUTES = 24 * 60
MAX_REPEAT = 10
MAX_STEPS = 10


class StepIn(BaseModel):
    """One step; ranges are checked by the service (`check`), so every refusal names the step in zh-CN."""

    model_config = INPUT

    targets: list[dict[str, str]] = Field(description="[{kind, ref}]: rules.incidents.escalation.TargetKind")
    channels: list[str] = Field(default_factory=list, description="channel names, the ladder in order; none: each "
                                "person's own notification rules (联系方式), the inbox for anyone without")
    wait_minutes: float = Field(description="wait for an acknowledgement before the next step (0 < m ≤ 1440)")
    ack: esc.AckRule = Field(esc.AckRule.any, description="any: one acknowledgement stops the step; all: every "
                             "person it reached (or their acting person) must acknowledge")


class PolicyIn(BaseModel):
    """A policy row as the API, CLI, console and demo give it."""

    name: str = Field(max_length=60)
    position: int = 100
    categories: list[Category] | None = None
    min_grade: int | None = Field(None, description="1..4: this grade or more severe; null: any")
    sensitive: bool | None = None
    steps: list[StepIn] = Field(default_factory=list)
    repeat: int = Field(0, description=f"extra passes over all steps, 0..{MAX_REPEAT}")
    start_delay_minutes: float = Field(0, description="0..1440")
    ack_timeout_minutes: float | None = Field(None, description=(
        "acknowledged but no 续报 or instruction feedback within this many minutes: re-alert (0 < m ≤ 1440); "
        "null: an acknowledgement stops the escalation"))
    enabled: bool = True


def to_policy(row: PolicyRuleRow) -> esc.PolicyRule:
    """The rules' PolicyRule a row describes."""
    steps = tuple(esc.Step(tuple(esc.Target(esc.TargetKind(t["kind"]), t.get("ref", "")) for t in s["targets"]),
                           tuple(s["channels"]), s["wait_minutes"], esc.AckRule(s.get("ack", "any")))
                  for s in row.steps)
    policy = esc.EscalationPolicy(row.name, steps, row.repeat, row.start_delay_minutes, row.ack_timeout_minutes,
                                  row.version)
    return esc.PolicyRule(policy, frozenset(Category(c) for c in row.categories) if row.categories else None,
                          Grade(row.min_grade) if row.min_grade else None, row.sensitive)


_cache: dict[str, tuple[tuple, list[esc.PolicyRule]]] = {}  # per database URL: (fingerprint, rules)


def forget() -> None:
    """Drop the cached rules at once (the fingerprint notices the change too, in every process)."""
    _cache.clear()


def _fingerprint(session: Session) -> tuple:
    """Changes whenever a row is added, edited, enabled or disabled (each sets `updated_at`)."""
    return tuple(session.exec(select(func.count(), func.max(PolicyRuleRow.updated_at))
                              .where(PolicyRuleRow.enabled)).one())


def rules(session: Session) -> list[esc.PolicyRule]:
    """Enabled rows by position, then the built-in defaults as the catch-all; rebuilt only when the rows change
    (intake asks on every incident; one aggregate query instead of loading and converting every row)."""
    bind = session.get_bind()  # an Engine, or a Connection in tests
    key, mark = str(getattr(bind, "engine", bind).url), _fingerprint(session)
    hit = _cache.get(key)
    if hit is not None and hit[0] == mark:
        return hit[1]
    rows = session.exec(select(PolicyRuleRow).where(PolicyRuleRow.enabled)
                        .order_by(PolicyRuleRow.position, PolicyRuleRow.name)).all()
    out = [*(to_policy(r) for r in rows), *esc.default_rules()]
    _cache[key] = (mark, out)
    return out


def _minutes(value: float | None, what: str, field: str, *, zero: bool = False) -> None:
    if value is not None and not ((0 <= value if zero else 0 < value) and value <= MAX_MINUTES):
        raise Invalid(f"{what}须{'在0到' if zero else '大于0且不超过'}{MAX_MINUTES}分钟{'之间' if zero else ''}",
                      field=field)


def check(data: PolicyIn) -> None:
    """The policy's own shape and ranges (zh-CN, naming the step and field); targets' reach is `policy_edits`."""
    if not data.name.strip():
        raise Invalid("请填写策略名称", field="name")
    if data.min_grade is not None and not 1 <= data.min_grade <= 4:
        raise Invalid("事件等级须为Ⅰ至Ⅳ级", field="min_grade")
    if not 0 <= data.repeat <= MAX_REPEAT:
        raise Invalid(f"重复轮数须在0到{MAX_REPEAT}之间", field="repeat")
    _minutes(data.start_delay_minutes, "延迟启动", "start_delay_minutes", zero=True)
    _minutes(data.ack_timeout_minutes, "确认后等待续报的时间", "ack_timeout_minutes")
    if not data.steps:
        raise Invalid("至少需要一个通知步骤", field="steps")
    if len(data.steps) > MAX_STEPS:
        raise Invalid(f"通知步骤最多{MAX_STEPS}个", field="steps")


def _check_steps(steps: list[StepIn]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(steps):
        if not s.targets:
            raise Invalid(f"第{i + 1}步：请选择通知对象", field=f"steps.{i}.targets")
        for t in s.targets:
            try:
                kind = esc.TargetKind(t.get("kind", ""))
            except ValueError:
                raise Invalid(f"第{i + 1}步：未知的通知对象类型 {t.get('kind')!r}", field=f"steps.{i}.targets") from None
            if kind in (esc.TargetKind.person, esc.TargetKind.role) and not t.get("ref"):
                raise Invalid(f"第{i + 1}步：请选择具体的{'人员' if kind is esc.TargetKind.person else '角色'}",
                              field=f"steps.{i}.targets")
        if len(set(s.channels)) != len(s.channels):
            raise Invalid(f"第{i + 1}步：渠道重复", field=f"steps.{i}.channels")
        _minutes(s.wait_minutes, f"第{i + 1}步：等待确认的时间", f"steps.{i}.wait_minutes")
        out.append({"targets": [{"kind": t["kind"], "ref": t.get("ref", "")} for t in s.targets],
                    "channels": list(s.channels), "wait_minutes": s.wait_minutes, "ack": s.ack.value})
    return out


def fields_of(data: PolicyIn) -> dict[str, Any]:
    """The row's columns `data` sets, checked (the same for a new policy and a new version)."""
    check(data)
    return {**data.model_dump(exclude={"steps", "categories", "name"}), "name": data.name.strip(),
            "steps": _check_steps(data.steps),
            "categories": [c.value for c in data.categories] if data.categories else None}


def version_data(row: PolicyRuleRow) -> dict[str, Any]:
    """What a version holds: the policy's fields as saved."""
    return audit.jsonable({k: getattr(row, k) for k in (
        "name", "position", "categories", "min_grade", "sensitive", "steps", "repeat", "start_delay_minutes",
        "ack_timeout_minutes", "enabled")})


def name_taken(session: Session, name: str, but: Any = None) -> None:
    q = select(PolicyRuleRow.id).where(PolicyRuleRow.name == name)
    if but is not None:
        q = q.where(PolicyRuleRow.id != but)
    if session.exec(q).first() is not None:
        raise Conflict(f"已有名为“{name}”的升级策略", field="name")


def add_policy(*, session: Session, data: PolicyIn, actor: str, note: str = "") -> PolicyRuleRow:
    """Store a policy row as its version 1; running incidents keep their frozen snapshot."""
    values = fields_of(data)
    name_taken(session, values["name"])
    row = PolicyRuleRow(**values, created_by=actor, updated_by=actor)
    row.updated_at = row.created_at
    session.add(row)
    session.flush()
    session.add(PolicyVersionRow(policy_id=row.id, version=1, data=version_data(row), note=note[:200],
                                 created_by=actor, created_at=row.created_at))
    _cache.clear()  # belt and braces: the fingerprint changes too
    audit.record(session=session, actor=actor, action="create", entity="escalation_policy", entity_id=row.id,
                 after=row, note=f"升级策略 {row.name} 第1版")
    return row


# the built-in policies' names as people call them (a row's name is shown as it is written)
DEFAULT_NAMES = {"severe": "较大以上或敏感事件", "routine": "一般事件"}


def rows_from_rules(rules: list[esc.PolicyRule], prefix: str) -> list[PolicyIn]:
    """Policy rows that say what `rules` say (e.g. the defaults on another channel ladder), in order."""
    out = []
    for i, r in enumerate(rules):
        p = r.policy
        out.append(PolicyIn(
            name=f"{prefix}{i + 1}-{DEFAULT_NAMES.get(p.name, p.name)}"[:60], position=10 * (i + 1),
            categories=sorted(r.categories) if r.categories else None,
            min_grade=int(r.min_grade) if r.min_grade else None, sensitive=r.sensitive, repeat=p.repeat,
            start_delay_minutes=p.start_delay_minutes, ack_timeout_minutes=p.ack_timeout_minutes,
            steps=[StepIn(targets=[{"kind": t.kind.value, "ref": t.ref} for t in s.targets],
                          channels=list(s.channels), wait_minutes=s.wait_minutes, ack=s.ack) for s in p.steps]))
    return out
