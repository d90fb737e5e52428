"""`dutydesk units` / `dutydesk people`: create, edit, deactivate from the command line."""

from __future__ import annotations

from sqlmodel import Session, select

from models.audit import AuditEntry
from models.directory import Person, Unit
from tests.conftest import run_cli as run


def test_create_edit_deactivate_units_and_people(cli_db):
    assert run("units", "add", "hub", "县政府总值班室", "--type", "county_office").exit_code == 0
    assert run("units", "add", "t1", "高观镇", "--type", "town", "--parent", "hub").exit_code == 0
    r = run("units", "edit", "t1", "--duty-phone", "0838-6210110", "--name", "高观镇人民政府")
    assert r.exit_code == 0, r.output
    assert run("people", "add", "t1", "王海燕", "--mobile", "13900000001").exit_code == 0
    with Session(cli_db) as s:
        person = s.exec(select(Person)).one()
    assert run("people", "edit", str(person.id)[:8], "--title", "值班员", "--mobile", "13900000002").exit_code == 0
    assert run("people", "deactivate", str(person.id)[:8]).exit_code == 0
    assert run("units", "deactivate", "t1").exit_code == 0
    with Session(cli_db) as s:
        unit = s.exec(select(Unit).where(Unit.code == "t1")).one()
        person = s.get(Person, person.id)
        actions = [(e.entity, e.action, e.actor) for e in s.exec(select(AuditEntry).order_by(AuditEntry.seq))]
    assert (unit.name, unit.duty_phone, unit.active) == ("高观镇人民政府", "0838-6210110", False)
    assert (person.title, person.mobile, person.active) == ("值班员", "13900000002", False)
    assert ("person", "update", "cli") in actions and ("unit", "deactivate", "cli") in actions


def test_bad_input_is_an_error_and_changes_nothing(cli_db):
    assert run("units", "add", "hub", "县政府总值班室").exit_code == 0
    r = run("units", "edit", "hub", "--code", "has space")
    assert r.exit_code == 1 and "code：格式不正确" in r.output  # one zh-CN line naming the option
    assert run("units", "edit", "nope", "--name", "x").exit_code == 1
    with Session(cli_db) as s:
        assert s.exec(select(Unit.code)).all() == ["hub"]
