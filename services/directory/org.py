"""Organisation directory: create, edit and deactivate units and people, audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from models.directory import (
    Person,
    PersonCreate,
    PersonUpdate,
    Unit,
    UnitCreate,
    UnitUpdate,
)
from models.types import utcnow
from services import audit
from services.access import Actor


def _action(changes: dict[str, Any]) -> str:
    return "deactivate" if changes.get("active") is False else "update"


def get_unit(*, session: Session, unit_id: uuid.UUID) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"未找到该单位 (unit {unit_id} not found)", field="unit_id")
    return unit


def list_units(*, session: Session, include_inactive: bool = False, only: uuid.UUID | None = None) -> list[Unit]:
    """Units in tree order (hub first, then by sort order and name)."""
    q = select(Unit)
    if not include_inactive:
        q = q.where(Unit.active)
    if only is not None:
        q = q.where(Unit.id == only)
    return list(session.exec(q.order_by(Unit.parent_id.is_not(None), Unit.sort_order, Unit.code)))


def same_name_unit(session: Session, name: str, unit_id: uuid.UUID | None = None) -> Unit | None:
    """Another active unit already called `name` (compared without surrounding spaces), if any."""
    q = select(Unit).where(Unit.active, func.trim(Unit.name) == name.strip())
    if unit_id is not None:
        q = q.where(Unit.id != unit_id)
    return session.exec(q.order_by(Unit.code)).first()


def _check_unit(session: Session, data: dict[str, Any], unit_id: uuid.UUID | None = None,
                current: Unit | None = None) -> None:
    name = data.get("name") or (current.name if current else None)
    active = data.get("active", current.active if current else True)
    renamed_or_back = "name" in data or (data.get("active") is True and current is not None and not current.active)
    if name and active and renamed_or_back and (clash := same_name_unit(session, name, unit_id)) is not None:
        raise Conflict(f"已有同名单位：{clash.name}（代码 {clash.code}） (a unit with this name already exists)",
                       field="name")
    if data.get("code") is not None:
        clash = session.exec(select(Unit).where(Unit.code == data["code"])).first()
        if clash is not None and clash.id != unit_id:
            raise Conflict(f"单位代码 {data['code']!r} 已被{clash.name}使用 (unit code already used)", field="code")
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = session.get(Unit, parent_id)
        if parent is None:
            raise Invalid(f"未找到该上级单位 (parent unit {parent_id} not found)", field="parent_id")
        seen = set()
        while parent is not None:  # refuse cycles in the tree
            if parent.id == unit_id or parent.id in seen:
                raise Invalid("单位不能是自己的上级 (a unit cannot be its own ancestor)", field="parent_id")
            seen.add(parent.id)
            parent = session.get(Unit, parent.parent_id) if parent.parent_id else None


def create_unit(*, session: Session, data: UnitCreate, actor: str) -> Unit:
    _check_unit(session, data.model_dump())
    unit = Unit.model_validate(data)
    session.add(unit)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="unit", entity_id=unit.id,
                 unit_id=unit.id, after=unit)
    return unit


def update_unit(*, session: Session, unit_id: uuid.UUID, data: UnitUpdate, actor: str) -> Unit:
    unit = get_unit(session=session, unit_id=unit_id)
    changes = data.model_dump(exclude_unset=True)
    _check_unit(session, changes, unit.id, unit)
    return audit.change(session=session, row=unit, actor=actor, action=_action(changes), entity="unit",
                        unit_id=unit.id, **changes, updated_at=utcnow())


def get_person(*, session: Session, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"未找到该人员 (person {person_id} not found)", field="person_id")
    return person


def list_people(*, session: Session, unit_id: uuid.UUID | None = None, include_inactive: bool = False) -> list[Person]:
    q = select(Person)
    if unit_id is not None:
        q = q.where(Person.unit_id == unit_id)
    if not include_inactive:
        q = q.where(Person.active)
    return list(session.exec(q.order_by(Person.unit_id, Person.name)))


def create_person(*, session: Session, data: PersonCreate, actor: str) -> Person:
    unit = session.get(Unit, data.unit_id)
    if unit is None:
        raise Invalid(f"未找到该单位 (unit {data.unit_id} not found)", field="unit_id")
    person = Person.model_validate(data)
    session.add(person)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="person", entity_id=person.id,
                 unit_id=person.unit_id, after=person)
    return person


def update_person(*, session: Session, person_id: uuid.UUID, data: PersonUpdate, actor: str) -> Person:
    person = get_person(session=session, person_id=person_id)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():  # every field of a person has a value: "" clears a text, null is refused
        if value is None:
            raise Invalid(f"{name} 不能为 null：不修改请不要传该字段，清空文字请传空字符串 "
                          f"(may not be null: leave it out to keep it, send \"\" to clear a text)", field=name)
    if changes.get("unit_id") is not None and session.get(Unit, changes["unit_id"]) is None:
        raise Invalid(f"未找到该单位 (unit {changes['unit_id']} not found)", field="unit_id")
    # The audit entry is filed under the person's new unit; `unit_id` is both that and one of the changes.
    audit_unit = changes.get("unit_id") or person.unit_id
    if changes.get("unit_id") is not None and changes["unit_id"] != person.unit_id:
        changes.update(duty_code_hash=None, duty_code_set_at=None)  # a duty code is bound to its unit
    return audit.change(session=session, row=person, actor=actor, action=_action(changes), entity="person",
                        unit_id=audit_unit, fields=changes, updated_at=utcnow())


# The directory as a caller may see it: a unit reporter sees only their own unit and its people (403 for naming
# another unit, 404 for another unit's person: services/access.py); everyone else sees everything. Writes are the duty office's (web/access.py).

def units_for(*, session: Session, by: Actor, include_inactive: bool = False) -> list[Unit]:
    return list_units(session=session, include_inactive=include_inactive, only=by.scope)


def unit_for(*, session: Session, unit_id: uuid.UUID, by: Actor) -> Unit:
    by.check_own_unit(unit_id)
    return get_unit(session=session, unit_id=unit_id)


def people_for(*, session: Session, by: Actor, unit_id: uuid.UUID | None = None,
               include_inactive: bool = False) -> list[Person]:
    if unit_id is not None:
        by.check_own_unit(unit_id)
    return list_people(session=session, unit_id=unit_id or by.scope, include_inactive=include_inactive)


def person_for(*, session: Session, person_id: uuid.UUID, by: Actor) -> Person:
    person = get_person(session=session, person_id=person_id)
    by.check_unit(person.unit_id, field="person_id", reason=f"未找到该人员 (person {person_id} not found)")
    return person
