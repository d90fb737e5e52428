"""`dutydesk policy list|show|add|edit|enable|disable` against a temporary SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import run_cli as run


def policy(**kw) -> dict:
    data = {"name": "夜间升级", "min_grade": 3, "ack_timeout_minutes": 30, "steps": [
        {"targets": [{"kind": "duty_leader_now"}], "channels": ["inbox"], "wait_minutes": 10},
        {"targets": [{"kind": "unit_head"}], "channels": ["inbox"], "wait_minutes": 5, "ack": "all"}]}
    data.update(kw)
    return data


def _rostered_leader(engine) -> None:
    """The hub's roster names a duty leader (带班领导) for the coming days: a policy's first step reaches them."""
    from sqlmodel import Session, select

    from models.directory import Person, Unit
    from models.rosters.roster import RosterSlot

    with Session(engine) as session:
        hub = session.exec(select(Unit).where(Unit.code == "hub")).one()
        person = Person(name="带班领导周文静", unit_id=hub.id)
        session.add(person)
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for day in range(10):
            at = start + timedelta(days=day - 1)
            session.add(RosterSlot(unit_id=hub.id, day=at.date(), post="leader", person_id=person.id, starts_at=at,
                                   ends_at=at + timedelta(days=1)))
        session.commit()


def test_add_show_edit_disable(cli_db, tmp_path):
    assert run("units", "add", "hub", "县政府总值班室", "--type", "county_office").exit_code == 0
    assert run("people", "add", "hub", "县长", "--unit-head").exit_code == 0
    _rostered_leader(cli_db)  # the first step's duty leader; without one the policy is refused (test_policy_edits)
    assert run("users", "create", "zhouwj", "leader", "--password", "correct-horse-battery",
               "--person", "带班领导周文静").exit_code == 0  # he reads the inbox the first step uses
    assert run("channels", "add", "inbox", "inbox", "--title", "站内消息").exit_code == 0
    f = tmp_path / "p.json"
    f.write_text(json.dumps(policy()), encoding="utf-8")
    r = run("policy", "add", "--file", f, "--note", "防汛期")  # the 县长 cannot read the inbox: refused
    assert r.exit_code == 1 and "县长没有控制台账号" in r.output and "steps.1.channels" in r.output, r.output
    assert run("users", "create", "xianzhang", "leader", "--password", "correct-horse-battery",
               "--person", "县长").exit_code == 0
    r = run("policy", "add", "--file", f, "--note", "防汛期")
    assert r.exit_code == 0 and "version 1" in r.output, r.output
    shown = run("policy", "show", "夜间升级").output
    assert "第2步：通知主要领导（站内消息），等待5分钟，须全部确认" in shown, shown
    assert "Ⅲ级及以上" in shown and "确认后30分钟无续报或反馈则再次提醒" in shown

    f.write_text(json.dumps(policy(steps=policy()["steps"][1:])), encoding="utf-8")
    r = run("policy", "edit", "夜间升级", "--file", f, "--note", "只通知县长")
    assert r.exit_code == 0 and "version 2" in r.output, r.output
    shown = run("policy", "show", "夜间升级").output
    assert "第2步" not in shown and "第2版" in shown and "第1版" in shown and "只通知县长" in shown

    assert "disabled" in run("policy", "disable", "夜间升级").output
    assert "已停用" in run("policy", "list").output
    assert "enabled" in run("policy", "enable", "夜间升级").output
    (row,) = json.loads(run("policy", "list", "--json").output)
    assert row["version"] == 2 and row["enabled"] is True


def test_a_step_that_reaches_nobody_exits_1_naming_the_field(cli_db, tmp_path):
    assert run("units", "add", "hub", "县政府总值班室", "--type", "county_office").exit_code == 0
    assert run("channels", "add", "inbox", "inbox").exit_code == 0
    f = tmp_path / "p.json"
    f.write_text(json.dumps(policy()), encoding="utf-8")  # nobody in the hub: no duty leader, no unit head
    r = run("policy", "add", "--file", f)
    assert r.exit_code == 1 and "steps.0.targets" in r.output and "第1步" in r.output, r.output
    assert "没有升级策略" in run("policy", "list").output


def test_help_speaks_to_a_clerk():
    out = run("policy", "--help").output
    assert "升级策略" in out and "确认收到" in out
    assert "new version" in run("policy", "edit", "--help").output


def test_a_bad_file_is_refused_in_chinese_naming_the_field(cli_db, tmp_path):
    f = tmp_path / "p.json"
    bad = policy(categories=["flood"], steps=[{"targets": [{"kind": "unit_head"}], "wait_minutes": "十"}])
    f.write_text(json.dumps(bad), encoding="utf-8")
    r = run("policy", "add", "--file", f)
    assert r.exit_code == 1
    assert "错误：适用类别·第1项 (categories.0)：不是可选的值（可选：自然灾害、" in r.output, r.output
    assert "错误：第1步·等待确认（分钟） (steps.0.wait_minutes)：须为数字" in r.output, r.output
    assert "validation error" not in r.output and "Input should be" not in r.output
    f.write_text("{not json", encoding="utf-8")
    r = run("policy", "add", "--file", f)
    assert r.exit_code == 1 and "错误：文件" in r.output


def test_show_uses_labels_and_the_offices_time(cli_db, tmp_path):
    assert run("units", "add", "hub", "县政府总值班室", "--type", "county_office").exit_code == 0
    assert run("people", "add", "hub", "县长", "--unit-head").exit_code == 0
    assert run("channels", "add", "inbox", "inbox", "--title", "站内消息").exit_code == 0
    assert run("users", "create", "xianzhang", "leader", "--password", "correct-horse-battery",
               "--person", "县长").exit_code == 0  # the inbox reaches an account
    f = tmp_path / "p.json"
    f.write_text(json.dumps(policy(categories=["natural_disaster"],
                                   steps=[policy()["steps"][1]])), encoding="utf-8")
    assert run("policy", "add", "--file", f).exit_code == 0
    shown = run("policy", "show", "夜间升级").output
    assert "适用：自然灾害" in shown and "natural_disaster" not in shown, shown
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:")
    assert f"第1版  {local}" in shown, shown
