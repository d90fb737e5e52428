"""Escalation policies as rows (升级策略): validate, store, and turn into the rules' PolicyRules."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import Conflict, Invalid
from models.incidents.escalation import PolicyRuleRow
from rules.incidents import Category, Grade
from rules.incidents import escalation as esc
from services import audit


class StepIn(BaseModel):
    targets: list[dict[str, str]] = Field(min_length=1, description="[{kind, ref}]: rules.incidents.escalation.TargetKind")
    channels: list[str] = Field(min_length=1, description="channel names, the ladder in order")
    wait_minutes: float = Field(gt=0, le=24 * 60, description="wait for an acknowledgement before the next step")
    ack: esc.AckRule = Field(esc.AckRule.any, description="any: one acknowledgement stops the step; all: every "
                             "person it reached (or their acting person) must acknowledge")


class PolicyIn(BaseModel):
    """A policy row as the API, CLI and demo give it."""

    name: str = Field(min_length=1, max_length=60)
    position: int = 100
    categories: list[Category] | None = None
    min_grade: int | None = Field(None, ge=1, le=4)
    sensitive: bool | None = None
    steps: list[StepIn] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=10)
    start_delay_minutes: float = Field(0, ge=0, le=24 * 60)
    enabled: bool = True


def to_policy(row: PolicyRuleRow) -> esc.PolicyRule:
    """The rules' PolicyRule a row describes."""
    steps = tuple(esc.Step(tuple(esc.Target(esc.TargetKind(t["kind"]), t.get("ref", "")) for t in s["targets"]),
                           tuple(s["channels"]), s["wait_minutes"], esc.AckRule(s.get("ack", "any")))
                  for s in row.steps)
    policy = esc.EscalationPolicy(row.name, steps, row.repeat, row.start_delay_minutes)
    return esc.PolicyRule(policy, frozenset(Category(c) for c in row.categories) if row.categories else None,
                          Grade(row.min_grade) if row.min_grade else None, row.sensitive)


_cache: dict[str, tuple[tuple, list[esc.PolicyRule]]] = {}  # per database URL: (fingerprint, rules)


def _fingerprint(session: Session) -> tuple:
    """Changes whenever a row is added, enabled or disabled (rows are never edited in place by the services)."""
    return tuple(session.exec(select(func.count(), func.max(PolicyRuleRow.created_at))
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


def _check_steps(steps: list[StepIn]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(steps):
        for t in s.targets:
            try:
                kind = esc.TargetKind(t.get("kind", ""))
            except ValueError:
                raise Invalid(f"第{i + 1}步：未知的通知对象类型 {t.get('kind')!r}", field=f"steps.{i}.targets") from None
            if kind in (esc.TargetKind.person, esc.TargetKind.role) and not t.get("ref"):
                raise Invalid(f"第{i + 1}步：{kind.value} 须指定 ref", field=f"steps.{i}.targets")
        if len(set(s.channels)) != len(s.channels):
            raise Invalid(f"第{i + 1}步：渠道重复", field=f"steps.{i}.channels")
        out.append({"targets": [{"kind": t["kind"], "ref": t.get("ref", "")} for t in s.targets],
                    "channels": list(s.channels), "wait_minutes": s.wait_minutes, "ack": s.ack.value})
    return out


def add_policy(*, session: Session, data: PolicyIn, actor: str) -> PolicyRuleRow:
    """Store a policy row; running incidents keep their frozen snapshot."""
    if session.exec(select(PolicyRuleRow.id).where(PolicyRuleRow.name == data.name)).first() is not None:
        raise Conflict(f"策略 {data.name} 已存在 (name taken)", field="name")
    row = PolicyRuleRow(**data.model_dump(exclude={"steps", "categories"}), steps=_check_steps(data.steps),
                        categories=[c.value for c in data.categories] if data.categories else None,
                        created_by=actor)
    session.add(row)
    session.flush()
    _cache.clear()  # belt and braces: the fingerprint changes too
    audit.record(session=session, actor=actor, action="create", entity="escalation_policy", entity_id=row.id,
                 after=row, note=f"升级策略 {row.name}")
    return row


def rows_from_rules(rules: list[esc.PolicyRule], prefix: str) -> list[PolicyIn]:
    """Policy rows that say what `rules` say (e.g. the defaults on another channel ladder), in order."""
    out = []
    for i, r in enumerate(rules):
        p = r.policy
        out.append(PolicyIn(
            name=f"{prefix}{i + 1}-{p.name}"[:60], position=10 * (i + 1),
            categories=sorted(r.categories) if r.categories else None,
            min_grade=int(r.min_grade) if r.min_grade else None, sensitive=r.sensitive, repeat=p.repeat,
            start_delay_minutes=p.start_delay_minutes,
            steps=[StepIn(targets=[{"kind": t.kind.value, "ref": t.ref} for t in s.targets],
                          channels=list(s.channels), wait_minutes=s.wait_minutes, ack=s.ack) for s in p.steps]))
    return out
