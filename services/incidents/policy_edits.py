"""The office edits its escalation policies (升级策略): list, show, create, edit as a new version, enable, disable.

Only the duty office (admins and duty officers) changes a policy; leaders and auditors read them; unit
reporters see none. An edit never overwrites: the row's version goes up and every version stays in
`escalation_policy_version`. Incidents already open keep the snapshot they froze at intake. A step is refused
when a target can reach nobody, or names a channel that is not configured."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core.errors import Forbidden, Invalid, NotFound
from models.accounts import Role
from models.directory import Person
from models.incidents.escalation import PolicyRuleRow, PolicyVersionRow
from rules.incidents import escalation as esc
from services import audit
from services.access import Actor
from services.incidents import policies, policy_reach, targets
from services.incidents.policies import PolicyIn

# who reads the policies: web/access.py "escalation_policies:read" lets the same roles reach the pages
READERS = frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor})


def _may_read(by: Actor) -> None:
    if by.role not in READERS:
        raise Forbidden("只有值班室、领导和审计员可以查看升级策略", field="policy")


def check_reach(session: Session, data: PolicyIn, now: datetime) -> None:
    """Every target of every step reaches someone, and every channel is configured (zh-CN, naming the step). A
    step whose only targets are duty leaders nobody is rostered as in the coming days is refused too (a step
    with another target still reaches that one)."""
    known = targets.channel_titles(session)
    inbox = targets.inbox_channels(session)
    cats = [c.value for c in data.categories] if data.categories else None
    for i, step in enumerate(data.steps):
        if step.channels and all(c in inbox for c in step.channels):  # only the console inbox: only accounts read it
            names = [n for t in step.targets for n in targets.without_account(
                session, esc.Target(esc.TargetKind(t["kind"]), t.get("ref", "")), cats)]
            if names:
                raise Invalid(f"第{i + 1}步只经控制台收件箱通知，{'、'.join(dict.fromkeys(names))}没有控制台账号，收不到；"
                              "请为其开通账号，或加上短信、语音等渠道", field=f"steps.{i}.channels")
            pools = [w for t in step.targets if (w := targets.incident_pool_unreadable(
                session, esc.Target(esc.TargetKind(t["kind"]), t.get("ref", ""))))]
            if pools:
                raise Invalid(f"第{i + 1}步只经控制台收件箱通知，但通知对象“{'、'.join(dict.fromkeys(pools))}”"
                              "（各单位主要领导）中没有一人有控制台账号，消息无人能读；请为其开通账号，或加上短信、语音等渠道", field=f"steps.{i}.channels")
        for t in step.targets:
            target = esc.Target(esc.TargetKind(t["kind"]), t.get("ref", ""))
            why = targets.reach_problem(session, target, cats)
            if why:
                raise Invalid(f"第{i + 1}步的通知对象“{policy_reach.target_name(session, target)}”无法通知到任何人：{why}",
                              field=f"steps.{i}.targets")
        unrostered = [targets.roster_problem(session, esc.Target(esc.TargetKind(t["kind"]), t.get("ref", "")), now)
                      for t in step.targets]
        if step.targets and all(unrostered):
            first = esc.Target(esc.TargetKind(step.targets[0]["kind"]), step.targets[0].get("ref", ""))
            raise Invalid(f"第{i + 1}步的通知对象“{policy_reach.target_name(session, first)}”无法通知到任何人："
                          f"{unrostered[0]}", field=f"steps.{i}.targets")
        for c in step.channels:
            if c not in known:
                raise Invalid(f"第{i + 1}步：通知渠道“{c}”尚未配置（请在“通知渠道”中添加）", field=f"steps.{i}.channels")
        why = policy_reach.unreachable(session, i + 1, step.targets, list(step.channels), cats, now)
        if why:  # every kind of target, on this step's ladder: someone must have an address it can use
            raise Invalid(why, field=f"steps.{i}.targets")


def list_policies(*, session: Session, by: Actor, include_disabled: bool = True) -> list[PolicyRuleRow]:
    """The policies in the order they are tried (lower position first), then by name."""
    _may_read(by)
    q = select(PolicyRuleRow).order_by(PolicyRuleRow.position, PolicyRuleRow.name)
    if not include_disabled:
        q = q.where(PolicyRuleRow.enabled)
    return list(session.exec(q))


def get_policy(*, session: Session, policy_id: uuid.UUID, by: Actor) -> PolicyRuleRow:
    _may_read(by)
    row = session.get(PolicyRuleRow, policy_id)
    if row is None:
        raise NotFound("升级策略不存在", field="policy_id")
    return row


def find_policy(*, session: Session, ref: str, by: Actor) -> PolicyRuleRow:
    """A policy by its id or its name (the CLI's argument)."""
    try:
        return get_policy(session=session, policy_id=uuid.UUID(ref), by=by)
    except ValueError:
        pass
    _may_read(by)
    row = session.exec(select(PolicyRuleRow).where(PolicyRuleRow.name == ref)).first()
    if row is None:
        raise NotFound(f"没有名为“{ref}”的升级策略", field="policy")
    return row


@dataclass(frozen=True)
class Version:
    version: int
    data: dict
    note: str
    created_by: str
    created_at: datetime


def versions(*, session: Session, policy_id: uuid.UUID, by: Actor) -> list[Version]:
    """Every saved version, newest first (a row from before versions were kept shows as its version 1)."""
    row = get_policy(session=session, policy_id=policy_id, by=by)
    saved = session.exec(select(PolicyVersionRow).where(PolicyVersionRow.policy_id == row.id)
                         .order_by(PolicyVersionRow.version.desc())).all()
    out = [Version(v.version, v.data, v.note, v.created_by, v.created_at) for v in saved]
    if not out or out[0].version != row.version:
        out.insert(0, Version(row.version, policies.version_data(row), "", row.updated_by, row.updated_at))
    return out


def create(*, session: Session, data: PolicyIn, by: Actor, now: datetime, note: str = "") -> PolicyRuleRow:
    """A new policy, version 1."""
    by.require_office("新建升级策略", field="policy")
    policies.fields_of(data)  # the shape first: the reach check reads valid targets
    check_reach(session, data, now)
    row = policies.add_policy(session=session, data=data, actor=by.name, note=note)
    row.created_at = row.updated_at = now
    session.add(row)
    session.flush()
    return row


def edit(*, session: Session, policy_id: uuid.UUID, data: PolicyIn, by: Actor, now: datetime,
         note: str = "") -> PolicyRuleRow:
    """Save `data` as the policy's next version; the previous one stays in the history. Saving the same policy
    again changes nothing (no new version). Open incidents keep their snapshot."""
    by.require_office("修改升级策略", field="policy")
    row = get_policy(session=session, policy_id=policy_id, by=by)
    values = policies.fields_of(data)
    policies.name_taken(session, values["name"], but=row.id)
    check_reach(session, data, now)
    before = policies.version_data(row)
    if {**before, **audit.jsonable(values)} == before:
        return row
    has_current = session.exec(select(PolicyVersionRow.id).where(PolicyVersionRow.policy_id == row.id,
                                                                 PolicyVersionRow.version == row.version)).first()
    if has_current is None:  # a row from before versions were kept: keep what it said first
        session.add(PolicyVersionRow(policy_id=row.id, version=row.version, data=before, created_by=row.updated_by,
                                     created_at=row.updated_at))
    old = audit.jsonable(row)
    for k, v in values.items():
        setattr(row, k, v)
    row.version += 1
    row.updated_at, row.updated_by = now, by.name[:120]
    session.add(row)
    session.add(PolicyVersionRow(policy_id=row.id, version=row.version, data=policies.version_data(row),
                                 note=note[:200], created_by=by.name[:120], created_at=now))
    session.flush()
    policies.forget()
    new = audit.jsonable(row)  # the whole steps stay recorded; the page reads the changed ones (step_N)
    was, now_steps = _by_step(session, old.get("steps") or [], new.get("steps") or [])
    audit.record(session=session, actor=by.name, action="edit", entity="escalation_policy", entity_id=row.id,
                 before={**old, **was}, after={**new, **now_steps}, at=now,
                 note=f"升级策略 {row.name} 第{row.version}版" + (f"：{note}" if note else ""))
    return row


def _by_step(session: Session, before: list[dict], after: list[dict]) -> tuple[dict, dict]:
    """The steps that changed, as step_1, step_2 … before → after (None: the step was added or removed), each
    with its people's names beside their ids, so the audit log reads 第2步 … → … instead of 共 2 步 → 共 2 步."""
    was, now = {}, {}
    for i in range(max(len(before), len(after))):
        b, a = (before[i] if i < len(before) else None), (after[i] if i < len(after) else None)
        if b != a:
            was[f"step_{i + 1}"], now[f"step_{i + 1}"] = _named(session, b), _named(session, a)
    return was, now


def _named(session: Session, step: dict | None) -> dict | None:
    if step is None:
        return None
    out = []
    for t in step.get("targets", []):
        t = dict(t)
        if t.get("kind") == "person":
            try:
                p = session.get(Person, uuid.UUID(t.get("ref", "")))
            except ValueError:
                p = None
            t["name"] = p.name if p else ""
        out.append(t)
    titles = targets.channel_titles(session)  # the channels as configured: 企业微信群 → 短信, not wecom → sms
    return {**step, "targets": out, "channel_titles": {c: titles[c] for c in step.get("channels", []) if c in titles}}


def set_enabled(*, session: Session, policy_id: uuid.UUID, enabled: bool, by: Actor, now: datetime) -> PolicyRuleRow:
    """Enable or disable (a deleted policy is a disabled one: its versions and the incidents it served stay)."""
    by.require_office("启用或停用升级策略", field="policy")
    row = get_policy(session=session, policy_id=policy_id, by=by)
    if row.enabled == enabled:
        return row
    row.enabled, row.updated_at, row.updated_by = enabled, now, by.name[:120]
    session.add(row)
    session.flush()
    policies.forget()
    audit.record(session=session, actor=by.name, action="enable" if enabled else "disable", entity="escalation_policy",
                 entity_id=row.id, after=row, at=now, note=f"升级策略 {row.name} {'启用' if enabled else '停用'}")
    return row


TARGET_ZH = {("duty_leader_now", ""): "当班带班领导", ("duty_leader_now", "incident"): "事发单位当班带班领导",
             ("category_leader", ""): "分管领导", ("unit_head", ""): "主要领导", ("unit_head", "incident"): "事发单位主要领导"}
ROLE_ZH = {"admin": "管理员", "duty_officer": "值班员", "leader": "领导", "unit_reporter": "单位填报员", "auditor": "审计员"}


def step_text(session: Session, step: dict) -> str:
    """One step in plain zh-CN (the CLI's words; the console has its own in both languages)."""
    who = []
    for t in step["targets"]:
        kind, ref = t["kind"], t.get("ref", "")
        if kind == "person":
            try:
                p = session.get(Person, uuid.UUID(ref))
            except ValueError:
                p = None
            who.append(p.name if p else f"人员{ref}")
        elif kind == "role":
            who.append(f"全体{ROLE_ZH.get(ref, ref)}")
        else:
            who.append(TARGET_ZH.get((kind, ref), kind))
    titles = targets.channel_titles(session)
    ladder = "→".join(titles.get(c, c) for c in step["channels"]) or "按个人通知规则"
    rule = "须全部确认" if step.get("ack") == "all" else "任一人确认即可"
    return f"通知{'、'.join(who)}（{ladder}），等待{step['wait_minutes']:g}分钟，{rule}"
