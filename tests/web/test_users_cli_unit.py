"""`dutydesk users create --unit` (issue 13): a unit reporter's account is tied to its unit, named by code or name;
an unknown unit is refused in zh-CN and nothing is created."""

from __future__ import annotations

from sqlmodel import Session, select

from models.accounts import User
from models.directory import Unit
from tests.conftest import run_cli as run

PW = ("--password", "correct-horse-battery")


def test_a_unit_reporter_is_created_for_the_unit_named_by_code_or_name(cli_db):
    assert "--unit" in run("users", "create", "--help").output
    assert run("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    assert run("units", "add", "d1", "应急管理局").exit_code == 0
    r = run("users", "create", "gg", "unit_reporter", *PW, "--unit", "高观镇")
    assert r.exit_code == 0 and "of 高观镇" in r.output, r.output
    r = run("users", "create", "yj", "unit_reporter", *PW, "--unit", "d1")
    assert r.exit_code == 0, r.output
    with Session(cli_db) as s:
        units = {u.code: u.id for u in s.exec(select(Unit))}
        users = {u.username: u.unit_id for u in s.exec(select(User))}
    assert users == {"gg": units["t1"], "yj": units["d1"]}


def test_an_unknown_unit_or_none_for_a_unit_reporter_is_refused_in_chinese(cli_db):
    assert run("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    r = run("users", "create", "gg", "unit_reporter", *PW, "--unit", "高关镇")
    assert r.exit_code == 1 and "没有代码或名称为 '高关镇' 的单位" in r.output, r.output
    r = run("users", "create", "gg", "unit_reporter", *PW)
    assert r.exit_code == 1 and "单位填报员账号必须属于一个单位" in r.output and "--unit" in r.output, r.output
    with Session(cli_db) as s:
        assert s.exec(select(User)).all() == []
