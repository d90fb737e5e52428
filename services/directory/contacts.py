"""Contact methods (联系方式) with code verification, and notification rules (通知规则), audited.

Who may: a person manages their own; the duty office anyone's; a unit reporter the people of their unit (another
unit's person answers 404); an auditor reads. A code goes out through the delivery outbox on the channel the
settings name for the method's medium (`settings.directory`); only its HMAC is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.settings import Settings
from models.accounts import Role
from models.deliveries import Delivery
from models.directory import (
    ContactMethod,
    ContactMethodCreate,
    ContactMethodPublic,
    NotificationRule,
    NotificationRuleCreate,
    NotificationRulePublic,
    Person,
)
from rules import directory as rules
from services import audit
from services.access import Actor
from services.deliveries import enqueue

SOURCE = "contact_verify"  # the outbox source of verification codes


def may_manage(by: Actor, person: Person) -> bool:
    """The person themself, the duty office, or the reporter of the person's unit."""
    return by.is_person(person.id) or by.acts_for_unit(person.unit_id)


def person_for(*, session: Session, person_id: uuid.UUID, by: Actor, write: bool = False) -> Person:
    """The person whose contact methods `by` asks for; 404 for another unit's (a unit reporter), 403 for someone
    else's (a leader asking about another leader)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("未找到该人员 (person not found)", field="person_id")
    by.check_unit(person.unit_id, field="person_id", reason="未找到该人员 (person not found)")
    if may_manage(by, person) or (not write and by.role is Role.auditor):
        return person
    raise Forbidden("只能管理本人的联系方式（值班室可管理所有人的，单位填报员可管理本单位人员的）",
                    field="person_id").refusing(by.name)


def _kind(value: str) -> rules.ContactKind:
    try:
        return rules.ContactKind(value)
    except ValueError:
        raise Invalid(f"未知的联系方式类型 {value!r}", field="kind") from None


def _method(session: Session, person: Person, method_id: uuid.UUID, *, for_update: bool = False) -> ContactMethod:
    q = select(ContactMethod).where(ContactMethod.id == method_id, ContactMethod.person_id == person.id)
    if for_update:
        q = q.with_for_update()
    m = session.exec(q).first()
    if m is None:
        raise NotFound("未找到该联系方式 (contact method not found)", field="method_id")
    return m


def _safe(m: ContactMethod) -> dict:
    """What the audit log keeps of a method (never the code's hash)."""
    return {"id": str(m.id), "person_id": str(m.person_id), "kind": m.kind, "value": m.value, "label": m.label,
            "verified_at": m.verified_at.isoformat() if m.verified_at else None}


def public(session: Session, m: ContactMethod) -> ContactMethodPublic:
    state = ""
    if m.code_delivery_id is not None and m.verified_at is None:
        d = session.get(Delivery, m.code_delivery_id)
        state = d.state if d is not None else ""
    return ContactMethodPublic(id=m.id, person_id=m.person_id, kind=m.kind, value=m.value, label=m.label,
                               verified=m.verified_at is not None, verified_at=m.verified_at,
                               code_sent_at=m.code_sent_at, code_expires_at=m.code_expires_at, code_state=state)


def list_methods(*, session: Session, person_id: uuid.UUID, by: Actor) -> list[ContactMethodPublic]:
    person = person_for(session=session, person_id=person_id, by=by)
    rows = session.exec(select(ContactMethod).where(ContactMethod.person_id == person.id)
                        .order_by(ContactMethod.created_at, ContactMethod.id)).all()
    return [public(session, m) for m in rows]


def add_method(*, session: Session, person_id: uuid.UUID, data: ContactMethodCreate, by: Actor,
               now: datetime) -> ContactMethod:
    """A new, unverified method; the same value twice for one person is refused."""
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    kind = _kind(data.kind)
    try:
        value = rules.normalized(kind, data.value)
    except ValueError as exc:
        raise Invalid(str(exc), field="value") from None
    if session.exec(select(ContactMethod.id).where(ContactMethod.person_id == person.id, ContactMethod.kind == kind.value,
                                                   ContactMethod.value == value)).first() is not None:
        raise Conflict("已有此联系方式", field="value")
    m = ContactMethod(person_id=person.id, kind=kind.value, value=value, label=data.label.strip(), created_at=now)
    session.add(m)
    session.flush()
    audit.record(session=session, actor=by.name, action="create", entity="contact_method", entity_id=m.id,
                 unit_id=person.unit_id, after=_safe(m), at=now, note=f"{person.name} 新增联系方式（未验证）")
    return m


def delete_method(*, session: Session, person_id: uuid.UUID, method_id: uuid.UUID, by: Actor, now: datetime) -> None:
    """Remove a method and the rules that use it."""
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    m = _method(session, person, method_id, for_update=True)
    before = _safe(m)
    gone = session.exec(delete(NotificationRule).where(NotificationRule.method_id == m.id)).rowcount or 0
    session.delete(m)
    session.flush()
    audit.record(session=session, actor=by.name, action="delete", entity="contact_method", entity_id=method_id,
                 unit_id=person.unit_id, before=before, at=now,
                 note=f"{person.name} 删除联系方式" + (f"及其{gone}条通知规则" if gone else ""))


def _digest(code: str, method_id: uuid.UUID, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"contact:{method_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _state(m: ContactMethod) -> rules.CodeState:
    return rules.CodeState(m.code_sent_at, m.code_expires_at, m.code_attempts, spent=not m.code_hash)


def send_code(*, session: Session, person_id: uuid.UUID, method_id: uuid.UUID, by: Actor, now: datetime,
              settings: Settings) -> ContactMethod:
    """Send a new 6-digit code to the method (the previous one no longer counts), through the outbox."""
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    m = _method(session, person, method_id, for_update=True)
    if m.verified_at is not None:
        raise Conflict("此联系方式已验证", field="method_id")
    wait = rules.may_send(_state(m), now)
    if wait is not None:
        raise Conflict(f"验证码刚刚发出，请{math.ceil(wait.total_seconds())}秒后再发送", field="method_id")
    code = f"{secrets.randbelow(10 ** rules.CODE_DIGITS):0{rules.CODE_DIGITS}d}"
    kind = rules.ContactKind(m.kind)
    channel = settings.directory.channel(rules.MEDIA[kind][0].value)
    m.code_sends += 1
    text = (f"【值班值守系统】您的联系方式验证码：{code}，{rules.CODE_MINUTES}分钟内有效。"
            "请在系统“联系方式”页面输入。如非本人操作，请忽略。")
    row = enqueue(session=session, source=SOURCE, source_id=str(m.id), step=f"code:{m.code_sends}", channel=channel,
                  person=person, address=m.value, subject="联系方式验证码", text=text,
                  voice_text=f"您的验证码是：{'，'.join(code)}。重复一遍：{'，'.join(code)}。",
                  template_params={"code": code}, now=now, max_attempts=1)
    m.code_hash, m.code_sent_at = _digest(code, m.id, settings), now
    m.code_expires_at, m.code_attempts = now + timedelta(minutes=rules.CODE_MINUTES), 0
    m.code_delivery_id = row.id
    session.add(m)
    session.flush()
    audit.record(session=session, actor=by.name, action="send_code", entity="contact_method", entity_id=m.id,
                 unit_id=person.unit_id, at=now, note=f"向{person.name}的联系方式发送验证码（{channel}）")
    return m


@dataclass(frozen=True)
class Verified:
    """A code's check: `ok`, else the zh-CN reason; the caller commits either way (attempts are counted)."""

    ok: bool
    method: ContactMethod
    reason: str = ""


def verify(*, session: Session, person_id: uuid.UUID, method_id: uuid.UUID, code: str, by: Actor, now: datetime,
           settings: Settings) -> Verified:
    """Check an entered code; a wrong one counts as an attempt, so the caller commits before refusing it."""
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    m = _method(session, person, method_id, for_update=True)
    if m.verified_at is not None:
        return Verified(True, m)  # verifying twice changes nothing
    entered = "".join((code or "").split())
    matches = bool(m.code_hash) and hmac.compare_digest(_digest(entered, m.id, settings), m.code_hash)
    check = rules.check_code(_state(m), matches, now)
    if check is rules.CodeCheck.ok:
        m.verified_at, m.verified_by, m.code_hash = now, by.name[:120], ""
        session.add(m)
        session.flush()
        for_other = not by.is_person(person.id)
        audit.record(session=session, actor=by.name, action="verify", entity="contact_method", entity_id=m.id,
                     unit_id=person.unit_id, after=_safe(m), at=now,
                     note=f"{person.name}的联系方式已验证" + (f"（{by.name}代为输入验证码）" if for_other else ""))
        return Verified(True, m)
    if check is rules.CodeCheck.wrong:
        m.code_attempts += 1
        left = rules.CODE_ATTEMPTS - m.code_attempts
        reason = f"验证码不正确，还可再试{left}次" if left else "验证码不正确，已错误多次，请重新发送验证码"
    else:
        reason = {rules.CodeCheck.none: "请先发送验证码", rules.CodeCheck.expired: "验证码已过期，请重新发送",
                  rules.CodeCheck.exhausted: "验证码已错误多次，请重新发送验证码"}[check]
    session.add(m)
    session.flush()
    audit.record(session=session, actor=by.name, action="verify_failed", entity="contact_method", entity_id=m.id,
                 unit_id=person.unit_id, at=now, note=f"{person.name}的联系方式验证未通过：{reason}")
    return Verified(False, m, reason)


def _rule_public(r: NotificationRule, verified: set[uuid.UUID]) -> NotificationRulePublic:
    return NotificationRulePublic(id=r.id, person_id=r.person_id, method_id=r.method_id, medium=r.medium,
                                  delay_minutes=r.delay_minutes, usable=r.method_id in verified)


def _verified_ids(session: Session, person: Person) -> set[uuid.UUID]:
    return set(session.exec(select(ContactMethod.id).where(ContactMethod.person_id == person.id,
                                                           ContactMethod.verified_at.is_not(None))).all())


def list_rules(*, session: Session, person_id: uuid.UUID, by: Actor) -> list[NotificationRulePublic]:
    person = person_for(session=session, person_id=person_id, by=by)
    rows = session.exec(select(NotificationRule).where(NotificationRule.person_id == person.id)
                        .order_by(NotificationRule.delay_minutes, NotificationRule.created_at)).all()
    verified = _verified_ids(session, person)
    return [_rule_public(r, verified) for r in rows]


def add_rule(*, session: Session, person_id: uuid.UUID, data: NotificationRuleCreate, by: Actor,
             now: datetime) -> NotificationRulePublic:
    """A rule over one of the person's verified methods."""
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    m = _method(session, person, data.method_id)
    if m.verified_at is None:
        raise Invalid("请先验证此联系方式，再为它设置通知规则", field="method_id")
    try:
        medium = rules.Medium(data.medium)
    except ValueError:
        raise Invalid(f"未知的通知方式 {data.medium!r}", field="medium") from None
    try:
        rules.check_rule(rules.ContactKind(m.kind), medium, data.delay_minutes)
    except ValueError as exc:
        raise Invalid(str(exc), field="medium" if "不能用于" in str(exc) else "delay_minutes") from None
    existing = session.exec(select(NotificationRule).where(NotificationRule.person_id == person.id)).all()
    if any(r.method_id == m.id and r.medium == medium.value and r.delay_minutes == data.delay_minutes
           for r in existing):
        raise Conflict("已有相同的通知规则", field="delay_minutes")
    if len(existing) >= rules.MAX_RULES:
        raise Conflict(f"每人最多{rules.MAX_RULES}条通知规则", field="method_id")
    r = NotificationRule(person_id=person.id, method_id=m.id, medium=medium.value, delay_minutes=data.delay_minutes,
                         created_at=now)
    session.add(r)
    session.flush()
    audit.record(session=session, actor=by.name, action="create", entity="notification_rule", entity_id=r.id,
                 unit_id=person.unit_id, after=r, at=now,
                 note=f"{person.name}：{data.delay_minutes}分钟后经{rules.MEDIUM_ZH[medium]}通知")
    return _rule_public(r, {m.id})


def delete_rule(*, session: Session, person_id: uuid.UUID, rule_id: uuid.UUID, by: Actor, now: datetime) -> None:
    person = person_for(session=session, person_id=person_id, by=by, write=True)
    r = session.exec(select(NotificationRule).where(NotificationRule.id == rule_id,
                                                    NotificationRule.person_id == person.id)).first()
    if r is None:
        raise NotFound("未找到该通知规则 (notification rule not found)", field="rule_id")
    before = r.model_dump(mode="json")
    session.delete(r)
    session.flush()
    audit.record(session=session, actor=by.name, action="delete", entity="notification_rule", entity_id=rule_id,
                 unit_id=person.unit_id, before=before, at=now, note=f"{person.name} 删除通知规则")


@dataclass(frozen=True)
class Reach:
    """One message of a person's plan, ready for the outbox: channel name, address, delay."""

    channel: str
    address: str
    medium: str
    delay_minutes: int
    method_id: uuid.UUID


def escalation_plan(session: Session, person: Person, settings: Settings) -> list[Reach]:
    """What the person's rules ask an escalation step to send, over verified methods only, soonest first; empty
    when they have no rule to rely on (the step then does what it did before)."""
    methods = session.exec(select(ContactMethod).where(ContactMethod.person_id == person.id)).all()
    if not any(m.verified_at is not None for m in methods):
        return []
    found = session.exec(select(NotificationRule).where(NotificationRule.person_id == person.id)).all()
    planned = rules.plan([rules.Method(str(m.id), rules.ContactKind(m.kind), m.value, m.verified_at is not None)
                          for m in methods],
                         [rules.Rule(str(r.method_id), rules.Medium(r.medium), r.delay_minutes) for r in found])
    return [Reach(settings.directory.channel(p.medium.value), p.method.value, p.medium.value, p.delay_minutes,
                  uuid.UUID(p.method.id)) for p in planned]
