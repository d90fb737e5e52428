"""Whether a policy step's targets can be reached on the step's channels (升级策略的可达性检查).

Every kind of target a step can name is looked at with the people it may resolve to: a person; everyone holding a
role; the county duty office's duty leader (the people rostered on its leader post in the coming week); the
incident's own unit's duty leader (anyone rostered as a leader in the coming week); the 分管领导 of the policy's
categories; the duty office's 主要领导; the incident's unit's 主要领导 (every unit head). A target none of whose
people can be reached on any channel of the step's ladder is refused, naming the step, the target and what is
missing. Group channels (a WeCom, DingTalk or Feishu group robot, a webhook, Apprise) reach the group, not a
person: they reach every target. A step naming no ladder follows each person's own notification rules (verified
contact methods), and without them falls back to the console inbox (an account)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from models.accounts import User
from models.directory import ContactMethod, NotificationRule, Person
from rules.incidents.escalation import Target, TargetKind
from services.incidents import targets

# the person's field a person-addressed channel kind sends to; every other kind reaches a group (or a URL)
ADDRESSED = {"aliyun_sms": "mobile", "tencent_sms": "mobile", "sms": "mobile", "aliyun_vms": "mobile",
             "simulated_voice": "mobile", "twilio_voice": "mobile", "voice": "mobile", "email": "email",
             "wecom_app": "wecom_id", "inbox": "account"}
NEEDS_ZH = {"mobile": "手机号码", "email": "电子邮箱", "wecom_id": "企业微信账号", "account": "控制台账号",
            "rules": "已验证的联系方式和个人通知规则，也没有控制台账号"}
TARGET_ZH = {("duty_leader_now", ""): "当班带班领导", ("duty_leader_now", "incident"): "事发单位当班带班领导",
             ("category_leader", ""): "分管领导", ("unit_head", ""): "主要领导", ("unit_head", "incident"): "事发单位主要领导"}
ROLE_ZH = {"admin": "管理员", "duty_officer": "值班员", "leader": "领导", "unit_reporter": "单位填报员",
           "auditor": "审计员", "display": "值班大屏"}


def target_name(session: Session, target: Target) -> str:
    """The target as the office calls it: a person's name, 全体值班员, 分管领导, 事发单位主要领导 …"""
    if target.kind is TargetKind.person:
        try:
            p = session.get(Person, uuid.UUID(target.ref))
        except ValueError:
            p = None
        return p.name if p else f"人员{target.ref}"
    if target.kind is TargetKind.role:
        return f"全体{ROLE_ZH.get(target.ref, target.ref)}"
    return TARGET_ZH.get((target.kind.value, target.ref), target.kind.value)


def pool(session: Session, target: Target, categories: list[str] | None, now: datetime) -> list[Person]:
    """The active people `target` may resolve to in the coming days (whatever incident comes)."""
    hub = targets.hub_unit(session)
    active = select(Person).where(Person.active)
    if target.kind is TargetKind.person:
        try:
            p = session.get(Person, uuid.UUID(target.ref))
        except ValueError:
            return []
        return [p] if p is not None and p.active else []
    if target.kind is TargetKind.role:
        ids = session.exec(select(User.person_id).where(User.role == target.ref, User.active,
                                                        User.person_id.is_not(None))).all()
        return list(session.exec(active.where(Person.id.in_(ids)))) if ids else []
    if target.kind is TargetKind.duty_leader_now:
        unit_id = None if target.ref == "incident" else (hub.id if hub else None)
        if unit_id is None and target.ref != "incident":
            return []
        return targets.rostered_leaders(session, unit_id, now)
    if target.kind is TargetKind.unit_head:
        q = active.where(Person.is_unit_head)
        if target.ref != "incident":
            if hub is None:
                return []
            q = q.where(Person.unit_id == hub.id)
        return list(session.exec(q))
    if target.kind is TargetKind.category_leader and hub is not None:
        people = session.exec(active.where(Person.unit_id == hub.id)).all()
        return [p for p in people if p.domain_categories
                and (categories is None or set(p.domain_categories) & set(categories))]
    return []


def _needs(session: Session, channels: list[str]) -> list[str] | None:
    """What a person must have for one of the ladder's channels to reach them (NEEDS_ZH keys), or None when a
    group channel is on the ladder (it reaches everyone)."""
    if not channels:
        return ["rules"]
    kinds = {c.name: c.kind for c in targets.list_channels(session=session)}
    needs = []
    for c in channels:
        field = ADDRESSED.get(kinds.get(c, c))
        if field is None:
            return None
        needs.append(field)
    return list(dict.fromkeys(needs))


def _reachable(session: Session, people: list[Person], needs: list[str]) -> list[Person]:
    ids = [p.id for p in people]
    accounts = set(session.exec(select(User.person_id).where(User.active, User.person_id.in_(ids)))) if ids else set()
    ruled = set()
    if "rules" in needs and ids:
        verified = set(session.exec(select(ContactMethod.person_id).where(
            ContactMethod.person_id.in_(ids), ContactMethod.verified_at.is_not(None))))
        ruled = verified & set(session.exec(select(NotificationRule.person_id).where(
            NotificationRule.person_id.in_(ids))))

    def ok(p: Person, need: str) -> bool:
        if need == "account":
            return p.id in accounts
        if need == "rules":
            return p.id in ruled or p.id in accounts
        return bool(getattr(p, need, ""))

    return [p for p in people if any(ok(p, n) for n in needs)]


def unreachable(session: Session, step_no: int, step_targets: list[dict], channels: list[str],
                categories: list[str] | None, now: datetime) -> str | None:
    """Why one target of step `step_no` (1-based) can be reached by nobody on the step's channels (zh-CN), or
    None. A target that resolves to nobody at all is reach_problem's / roster_problem's to say."""
    needs = _needs(session, channels)
    if needs is None:
        return None
    titles = targets.channel_titles(session)
    for t in step_targets:
        target = Target(TargetKind(t["kind"]), t.get("ref", ""))
        people = pool(session, target, categories, now)
        if not people or _reachable(session, people, needs):
            continue
        ladder = "、".join(titles.get(c, c) for c in channels) or "个人通知规则（或控制台收件箱）"
        who = "、".join(p.name for p in people[:5]) + ("等" if len(people) > 5 else "")
        lacks = "或".join(NEEDS_ZH[n] for n in needs)
        return (f"第{step_no}步的通知对象“{target_name(session, target)}”经{ladder}联系不到任何人：{who}没有{lacks}；"
                "请补充其联系方式或账号，或为这一步换用其他通知渠道")
    return None
