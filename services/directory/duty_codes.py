"""Personal duty codes (值班识别码): set and cleared by an admin or the unit's reporter, never shown back, audited.

An automated spot check may ask the answerer to key their code after the confirm key (services/spotchecks/ivr.py):
the code says who answered, and the rules judge that against the roster. Only an HMAC of the code, bound to the
person's unit, is stored (`person.duty_code_hash`); the same code twice in one unit is refused (and the database's
unique key refuses it too). A person moved to another unit loses the code (it was their old unit's).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.settings import Settings
from models.accounts import Role
from models.directory import Person
from rules import directory as rules
from services import audit
from services.access import Actor


def may_set(by: Actor, person: Person) -> bool:
    """An admin for anyone; a unit reporter (the unit's admin) for the people of their own unit."""
    return by.role is Role.admin or (by.role is Role.unit_reporter and person.unit_id == by.unit_id)


def digest(unit_id: uuid.UUID, code: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"duty_code:{unit_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _person(session: Session, person_id: uuid.UUID, by: Actor) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("未找到该人员 (person not found)", field="person_id")
    by.check_unit(person.unit_id, "person", field="person_id")
    if not may_set(by, person):
        raise Forbidden("只有系统管理员或本单位填报员可以设置值班识别码 (only an admin or the unit's reporter sets "
                        "duty codes)", field="person_id").refusing(by.name)
    return person


def set_code(*, session: Session, person_id: uuid.UUID, code: str, by: Actor, now: datetime,
             settings: Settings) -> Person:
    """Set (or replace) a person's duty code; refused when another person of the unit has the same code."""
    person = _person(session, person_id, by)
    try:
        form = rules.duty_code_form(code)
    except ValueError as exc:
        raise Invalid(str(exc), field="code") from None
    hashed = digest(person.unit_id, form, settings)
    clash = session.exec(select(Person.id).where(Person.unit_id == person.unit_id, Person.duty_code_hash == hashed,
                                                 Person.id != person.id)).first()
    if clash is not None:
        raise Conflict("本单位已有人员使用该识别码，请换一个 (another person of the unit has this code)", field="code")
    replaced = person.duty_code_hash is not None
    person.duty_code_hash, person.duty_code_set_at = hashed, now
    session.add(person)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent set of the same code in the unit
        raise Conflict("本单位已有人员使用该识别码，请换一个 (another person of the unit has this code)",
                       field="code") from None
    audit.record(session=session, actor=by.name, action="set_duty_code", entity="person", entity_id=person.id,
                 unit_id=person.unit_id, at=now, note=f"{'更换' if replaced else '设置'}{person.name}的值班识别码")
    return person


def clear_code(*, session: Session, person_id: uuid.UUID, by: Actor, now: datetime) -> Person:
    person = _person(session, person_id, by)
    if person.duty_code_hash is None:
        return person
    person.duty_code_hash, person.duty_code_set_at = None, None
    session.add(person)
    session.flush()
    audit.record(session=session, actor=by.name, action="clear_duty_code", entity="person", entity_id=person.id,
                 unit_id=person.unit_id, at=now, note=f"清除{person.name}的值班识别码")
    return person


def whose(session: Session, unit_id: uuid.UUID, code: str, settings: Settings) -> Person | None:
    """The active person of the unit whose duty code this is, or None (no such code, or not a code at all)."""
    try:
        form = rules.duty_code_form(code)
    except ValueError:
        return None
    return session.exec(select(Person).where(Person.unit_id == unit_id, Person.active,
                                             Person.duty_code_hash == digest(unit_id, form, settings))).first()


def state(person: Person) -> dict:
    """What may be shown of a code: whether it is set and since when (never the code)."""
    return {"set": person.duty_code_hash is not None, "set_at": person.duty_code_set_at}
