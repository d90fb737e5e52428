"""`dutydesk units` and `dutydesk people`: the organisation directory."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from sqlmodel import select

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from dutydesk.commands.refusals import invalid
from models.directory import (
    Person,
    PersonCreate,
    PersonUpdate,
    Unit,
    UnitCreate,
    UnitType,
    UnitUpdate,
)
from models.types import utcnow
from services.access import Actor
from services.directory import duty_codes, org

units = typer.Typer(no_args_is_help=True, help="units (单位)")
people = typer.Typer(no_args_is_help=True, help="people (人员)")
ACTOR = "cli"


def _unit_by_code(session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        typer.echo(f"error: no unit with code {code!r}", err=True)
        raise typer.Exit(1)
    return unit


def _run(fn) -> None:
    try:
        with session_scope() as session:
            fn(session)
    except ValidationError as exc:
        raise invalid(exc) from exc
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@units.command("list")
def list_units(all: bool = typer.Option(False, "--all", help="include deactivated units")) -> None:
    """List units."""
    with session_scope() as session:
        for u in org.list_units(session=session, include_inactive=all):
            typer.echo(f"{u.code:<10} {u.type.value:<14} {u.duty_phone:<16} {u.name}{'' if u.active else ' (inactive)'}")


@units.command("add")
def add_unit(code: str, name: str, type: UnitType = UnitType.department, parent: str = typer.Option(None),
             duty_phone: str = "", address: str = "") -> None:
    """Add a unit (parent given by its code)."""
    def go(session):
        parent_id = _unit_by_code(session, parent).id if parent else None
        org.create_unit(session=session, actor=ACTOR, data=UnitCreate(
            code=code, name=name, type=type, parent_id=parent_id, duty_phone=duty_phone, address=address))
    _run(go)
    typer.echo(f"added unit {code}")


@units.command("edit")
def edit_unit(code: str, name: str = typer.Option(None), new_code: str = typer.Option(None, "--code"),
              type: UnitType = typer.Option(None), parent: str = typer.Option(None, help="parent unit code"),
              duty_phone: str = typer.Option(None), address: str = typer.Option(None)) -> None:
    """Edit a unit (only the options given change)."""
    def go(session):
        changes = {"name": name, "code": new_code, "type": type, "duty_phone": duty_phone, "address": address}
        if parent:
            changes["parent_id"] = _unit_by_code(session, parent).id
        data = UnitUpdate(**{k: v for k, v in changes.items() if v is not None})
        org.update_unit(session=session, unit_id=_unit_by_code(session, code).id, data=data, actor=ACTOR)
    _run(go)
    typer.echo(f"edited unit {code}")


@units.command("deactivate")
def deactivate_unit(code: str) -> None:
    """Deactivate a unit (history keeps it)."""
    _run(lambda s: org.update_unit(session=s, unit_id=_unit_by_code(s, code).id, data=UnitUpdate(active=False),
                                   actor=ACTOR))
    typer.echo(f"deactivated unit {code}")


@people.command("list")
def list_people(unit: str = typer.Option(None, help="unit code")) -> None:
    """List people, optionally of one unit."""
    with session_scope() as session:
        unit_id = _unit_by_code(session, unit).id if unit else None
        for p in org.list_people(session=session, unit_id=unit_id):
            code = "识别码已设置" if p.duty_code_hash else ""
            typer.echo(f"{str(p.id)[:8]} {p.name:<6} {p.title:<10} {p.mobile:<12} {code}".rstrip())


@people.command("add")
def add_person(unit: str, name: str, title: str = "", mobile: str = "", email: str = "",
               leading_cadre: bool = False,
               unit_head: bool = typer.Option(False, help="the unit's principal leader (主要领导)")) -> None:
    """Add a person to a unit (by unit code)."""
    _run(lambda s: org.create_person(session=s, actor=ACTOR, data=PersonCreate(
        unit_id=_unit_by_code(s, unit).id, name=name, title=title, mobile=mobile, email=email,
        is_leading_cadre=leading_cadre, is_unit_head=unit_head)))
    typer.echo(f"added {name}")


def _person_by_prefix(session, person_id: str) -> Person:
    matches = [p for p in session.exec(select(Person)) if str(p.id).startswith(person_id)]
    if len(matches) != 1:
        typer.echo(f"error: {len(matches)} people match {person_id!r}", err=True)
        raise typer.Exit(1)
    return matches[0]


@people.command("edit")
def edit_person(person_id: str, name: str = typer.Option(None), title: str = typer.Option(None),
                unit: str = typer.Option(None, help="unit code"), mobile: str = typer.Option(None),
                office_phone: str = typer.Option(None), email: str = typer.Option(None),
                leading_cadre: bool = typer.Option(None, "--leading-cadre/--not-leading-cadre")) -> None:
    """Edit a person by id (or its first characters); only the options given change."""
    def go(session):
        changes = {"name": name, "title": title, "mobile": mobile, "office_phone": office_phone, "email": email,
                   "is_leading_cadre": leading_cadre}
        if unit:
            changes["unit_id"] = _unit_by_code(session, unit).id
        data = PersonUpdate(**{k: v for k, v in changes.items() if v is not None})
        org.update_person(session=session, person_id=_person_by_prefix(session, person_id).id, data=data,
                          actor=ACTOR)
    _run(go)
    typer.echo("edited")


@people.command("deactivate")
def deactivate_person(person_id: str) -> None:
    """Deactivate a person by id (or its first characters)."""
    _run(lambda s: org.update_person(session=s, person_id=_person_by_prefix(s, person_id).id,
                                     data=PersonUpdate(active=False), actor=ACTOR))
    typer.echo("deactivated")


@people.command("duty-code")
def duty_code(person_id: str, clear: bool = typer.Option(False, "--clear", help="remove the person's duty code")) -> None:
    """Set a person's duty code (值班识别码, 4-6 digits, unique in the unit), asked for without echo; or --clear.

    An automated spot check whose plan asks for it has the answerer key this code after the confirm key."""
    code = None if clear else typer.prompt("值班识别码 (duty code)", hide_input=True, confirmation_prompt=True)

    def go(session):
        person = _person_by_prefix(session, person_id)
        by = Actor.system(ACTOR)
        if clear:
            duty_codes.clear_code(session=session, person_id=person.id, by=by, now=utcnow())
        else:
            duty_codes.set_code(session=session, person_id=person.id, code=code, by=by, now=utcnow(),
                                settings=get_settings())
    _run(go)
    typer.echo("duty code cleared (已清除)" if clear else "duty code set (已设置)")
