"""Reading the audit log: who may, filters, pages, names instead of ids, before → after (both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import Forbidden
from models.accounts import Role, UserUpdate
from models.directory import PersonUpdate
from services import accounts
from services.access import Actor
from services.audit import reading, record
from services.directory import org
from web.console.audit import view
from web.console.i18n import MESSAGES

AUDITOR = Actor("u_auditor", Role.auditor)


@pytest.mark.parametrize("role", [Role.duty_officer, Role.leader, Role.unit_reporter, Role.display])
def test_only_auditors_and_admins_read_the_record(session, role):
    with pytest.raises(Forbidden):
        reading.list_entries(session=session, by=Actor("x", role))
    assert reading.list_entries(session=session, by=Actor("a", Role.admin)).total >= 0


def test_a_person_move_reads_with_names_and_before_after(session, directory, users, tokens):
    accounts.update_user(session=session, user_id=users["duty_officer"].id, actor="test",
                         data=UserUpdate(display_name="张三"))
    person = directory["people"]["t1"]
    org.update_person(session=session, person_id=person.id, actor="token:u_duty_officer",
                      data=PersonUpdate(unit_id=directory["dept"].id, title="副镇长"))
    session.flush()
    page = reading.list_entries(session=session, by=AUDITOR, filters=reading.Filters(entity="person", action="update"))
    e = page.entries[0]
    assert e.target == "高观镇值班员"
    changed = {c.field: (c.before, c.after) for c in e.changes}
    assert set(changed) == {"unit_id", "title"}
    rows = dict((f, (b, a)) for f, b, a in view.changes_text(e, page.names, "zh-CN"))
    assert rows["单位"] == ("高观镇", "应急管理局") and rows["职务"] == ("—", "副镇长")
    assert view.actor_text(e.who, "zh-CN") == "张三（值班员）· API 令牌 ‘test duty_officer’"
    assert view.actor_text(e.who, "en") == "张三 (Duty officer) · API token ‘test duty_officer’"
    assert view.action_text(e.action, "zh-CN") == "修改" and view.action_text(e.action, "en") == "Changed"
    accounts.create_api_token(session=session, user=users["duty_officer"], name="第二个", actor="test")
    record(session=session, actor="token:u_duty_officer", action="export", entity="spotcheck_export")
    session.flush()
    later = reading.list_entries(session=session, by=AUDITOR, limit=1).entries[0]
    assert view.actor_text(later.who, "zh-CN") == "张三（值班员）· API 令牌"  # two valid tokens: not guessed


def test_filters_and_pages_of_fifty(session, directory):
    base = datetime(2026, 12, 1, tzinfo=UTC)
    for i in range(120):
        record(session=session, actor="u_admin" if i % 2 else "engine", action="export", entity="spotcheck_export",
               unit_id=directory["town"].id if i < 30 else "", at=base + timedelta(minutes=i))
    session.flush()
    f = reading.Filters(action="export", entity="spotcheck_export")
    first = reading.list_entries(session=session, by=AUDITOR, filters=f)
    third = reading.list_entries(session=session, by=AUDITOR, filters=f, offset=100)
    assert (first.total, len(first.entries), first.has_next, first.has_prev) == (120, 50, True, False)
    assert (len(third.entries), third.has_next, third.has_prev) == (20, False, True)
    assert first.entries[0].seq > first.entries[-1].seq > third.entries[0].seq  # newest first, no overlap
    assert reading.list_entries(session=session, by=AUDITOR, filters=reading.Filters(
        action="export", actor="u_admin")).total == 60
    assert reading.list_entries(session=session, by=AUDITOR, filters=reading.Filters(
        action="export", unit_id=str(directory["town"].id))).total == 30
    assert reading.list_entries(session=session, by=AUDITOR, filters=reading.Filters(
        action="export", since=base + timedelta(minutes=10), until=base + timedelta(minutes=20))).total == 10
    system = first.entries[0].who if first.entries[0].who.kind == "system" else first.entries[1].who
    assert view.actor_text(system, "zh-CN") == "系统（引擎）" and view.actor_text(system, "en") == "System (engine)"


def _actions_in_code() -> set[str]:
    root = Path(__file__).resolve().parents[1]
    found: set[str] = set()
    for path in [*root.glob("services/**/*.py"), *root.glob("web/**/*.py"), *root.glob("dutydesk/**/*.py"),
                 *root.glob("flows/**/*.py"), *root.glob("engine/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'action="([a-z_]+)"', text))
        found |= set(re.findall(r'_(?:change|changed|set)\([^)]*?"([a-z_]+)"', text))
    from rules.incidents.escalation import Action
    found |= {f"escalation_{a.value}" for a in Action} - {"escalation_wait", "escalation_stop"}
    found |= {"escalation_stopped", "report_first", "report_followup", "report_final"}
    return found


def test_every_recorded_action_has_a_label_in_both_languages():
    missing = sorted(a for a in _actions_in_code() if f"enum.audit_action.{a}" not in MESSAGES)
    assert not missing, missing
    assert all(MESSAGES[f"enum.audit_action.{a}"][1] for a in _actions_in_code())


def test_system_actors_new_records_and_lists_of_ids_read_as_names(session, directory):
    people = [str(p.id) for p in directory["people"].values()]
    record(session=session, actor="demo-seed", action="update", entity="duty_pool", before={"people": []},
           after={"people": people[:2]})
    record(session=session, actor="flow:rosters", action="create", entity="unit", after={"name": "新单位"})
    session.flush()
    page = reading.list_entries(session=session, by=AUDITOR, limit=2)
    new, pool = page.entries
    assert view.actor_text(pool.who, "zh-CN") == "系统（演示数据）" and pool.shape == "change"
    assert view.changes_text(pool, page.names, "zh-CN") == [("人员", "—", "县政府总值班室值班员、高观镇值班员")]
    assert new.shape == "new" and view.actor_text(new.who, "en") == "System (background flow)"


# Tables the audit log never records a row of: the log itself, sign-in bookkeeping and provider plumbing.
_NOT_AUDITED = frozenset({"audit_entry", "audit_check", "login_failure", "callback_event", "provider_window"})


def test_every_field_of_every_audited_record_has_a_label_in_both_languages():
    import models  # noqa: F401 - every table
    from sqlmodel import SQLModel

    fields = [(t.name, c.name) for t in SQLModel.metadata.sorted_tables if t.name not in _NOT_AUDITED
              for c in t.columns if c.name not in reading.NOISE]
    assert len(fields) > 300  # the walk sees every table
    for lang in ("zh-CN", "en"):
        missing = sorted({f"{t}.{c}" for t, c in fields if view.field_text(c, lang, t) == c})
        assert not missing, (lang, missing)
    assert view.field_text("seconds_to_ack", "zh-CN") == "确认用时（秒）"
    assert view.field_text("doc_sha256", "en") == "Document checksum"


def test_enum_values_read_by_their_labels():
    assert view.value_text("leave", "status", "filed", {}, "zh-CN") != "filed"
    assert view.value_text("incident", "status", "closed", {}, "zh-CN") == "已办结"
    assert view.value_text("user", "role", "duty_officer", {}, "en") == "Duty officer"
    assert view.value_text("unit", "active", False, {}, "zh-CN") == "否"
    day = view.value_text("leave", "start_day", "2026-12-01", {}, "zh-CN")
    count = view.value_text("x", "rings", 2, {}, "en")
    assert (day, day.kind, count, count.kind) == ("2026-12-01", "label", "2", "label")  # not set as code
    assert view.value_text("incident", "category", "accident", {}, "zh-CN") == "事故灾难"
    from core.settings import Settings

    tz = Settings(environment="test").tz  # the office's zone (Asia/Shanghai by default)
    assert view.value_text("leave", "approved_at", "2026-12-01T16:30:00+00:00", {}, "zh-CN", tz) == "2026-12-02 00:30"


def test_an_acknowledgement_by_link_reply_or_key_press_names_the_person_and_how(session):
    """A leader acknowledging from the message has no account: the entry names them and the way, in words."""
    base = datetime(2026, 12, 1, tzinfo=UTC)
    for i, actor in enumerate(("link:李明", "voice:王芳", "sms:赵强", "link:anonymous")):
        record(session=session, actor=actor, action="acknowledge", entity="incident", at=base + timedelta(minutes=i))
    session.flush()
    whos = [e.who for e in reading.list_entries(session=session, by=AUDITOR, limit=4).entries][::-1]
    assert [view.actor_text(w, "zh-CN") for w in whos] == [
        "李明（经短信链接）", "王芳（经语音按键）", "赵强（经短信回复）", "未具名的人（经短信链接）"]
    assert view.actor_text(whos[0], "en") == "李明 (by text-message link)"


def _one(session, **kw):
    record(session=session, **kw)
    session.flush()
    page = reading.list_entries(session=session, by=AUDITOR, limit=1)
    return page.entries[0], page.names


def _rows(e, names, lang):
    return {str(f): (str(b), str(a)) for f, b, a in view.changes_text(e, names, lang)}


def test_recorded_structures_read_as_a_short_summary_never_as_json(session, directory):
    """A grade's basis in the incident page's words, a policy by its name and steps, other structures counted."""
    policy = {"version": 1, "name": "重大事件升级", "repeat": 1, "start_delay_minutes": 0,
              "steps": [{"targets": [{"kind": "role", "ref": "leader"}], "channels": ["sms"], "wait_minutes": 5,
                         "ack": "any"}] * 3}
    e, names = _one(session, actor="engine", action="update", entity="incident",
                    before={"suggested_basis": None},
                    after={"suggested_basis": {"code": "below", "grade": 4, "unverified": [], "below": 3},
                           "escalation_policy": policy, "steps": policy["steps"],
                           "elements": {"place": True, "cause": False}, "summary": {"a": 1, "b": 2, "c": 3}})
    zh, en = _rows(e, names, "zh-CN"), _rows(e, names, "en")
    assert zh["建议理由（依据）"][1] == "各项数据均未达到较大标准，建议一般（Ⅳ级）"
    assert en["Reason suggested (basis)"][1].startswith("No figure reaches the threshold of grade Ⅲ")
    assert zh["升级策略"][1] == "重大事件升级（共 3 步）" and en["Escalation policy"][1] == "重大事件升级 (3 steps)"
    assert zh["步骤"][1] == "共 3 步" and zh["要素"][1] == "（已记录，共 2 项）" and zh["摘要"][1] == "（已记录，共 3 项）"
    assert en["Summary"][1] == "(recorded, 3 items)"
    assert not any("{" in b + a for b, a in [*zh.values(), *en.values()])


def test_internal_values_read_by_the_labels_the_console_has():
    cases = [("phone_check", "outcome", "no_answer", "无人接听", "No answer"),
             ("phone_check", "outcome", "officer_absent", None, "Duty officer absent"),
             ("phone_check", "mode", "automated", "自动语音", "Automated call"),
             ("incident", "kind", "ack", "确认收到", "Acknowledged"),
             ("channel", "kind", "simulated_voice", "模拟语音电话", "Simulated voice call"),
             ("explanation_request", "status", "requested", "待报送", "Requested"),
             ("incident_report", "channel", "phone", "电话", "By phone")]
    for entity, name, value, zh, en in cases:
        shown_zh = view.value_text(entity, name, value, {}, "zh-CN")
        assert shown_zh != value and shown_zh.kind == "label" and (zh is None or shown_zh == zh), (entity, name)
        assert view.value_text(entity, name, value, {}, "en") == en


def test_a_value_that_is_an_actor_reads_like_the_actor_column(session, users, tokens):
    accounts.update_user(session=session, user_id=users["duty_officer"].id, actor="test",
                         data=UserUpdate(display_name="张三"))
    e, names = _one(session, actor="token:u_duty_officer", action="create", entity="leave",
                    after={"filed_by": "token:u_duty_officer", "created_by": "demo-seed", "recorded_by": "cli"})
    zh, en = _rows(e, names, "zh-CN"), _rows(e, names, "en")
    assert zh["报备人"][1] == "张三（值班员）· API 令牌 ‘test duty_officer’"
    assert zh["创建人"][1] == "系统（演示数据）" and zh["记录人"][1] == "系统（命令行）"
    assert en["Filed by"][1] == "张三 (Duty officer) · API token ‘test duty_officer’"
    assert en["Created by"][1] == "System (demo data)"


def test_targets_without_a_name_of_their_own_are_named_from_their_record(session, directory):
    from core.settings import Settings

    tz = Settings(environment="test").tz
    town, person = directory["town"], directory["people"]["t1"]
    record(session=session, actor="engine", action="create", entity="leave", entity_id="b9f9f104-0000",
           unit_id=town.id, after={"person_id": str(person.id), "start_day": "2026-12-01", "end_day": "2026-12-03"})
    record(session=session, actor="engine", action="create", entity="phone_check", entity_id="2de04bbe-0000",
           after={"unit_id": str(town.id), "started_at": "2026-12-01T02:05:00+00:00", "outcome": "normal"})
    record(session=session, actor="engine", action="update", entity="duty_pool", entity_id="cfa4d89e-0000",
           unit_id=town.id, before={"post": "officer", "people": []}, after={"post": "officer", "people": []})
    record(session=session, actor="u_duty", action="access_refused", entity="access", entity_id="de9b55ed",
           after={"method": "GET", "path": "/audit"})
    session.flush()
    leave, check, pool, access = reading.list_entries(session=session, by=AUDITOR, limit=4).entries[::-1]
    assert view.target_text(leave, "zh-CN") == "请假报备 高观镇值班员 2026-12-01—2026-12-03"
    assert view.target_text(check, "zh-CN", tz) == "电话抽查 高观镇 2026-12-01 10:05"
    assert view.target_text(pool, "zh-CN") == "轮值人员 高观镇"
    assert view.target_text(access, "zh-CN").endswith(" /audit")
    assert not any(x in view.target_text(e, "zh-CN") for e in (leave, check, pool, access)
                   for x in ("b9f9f104", "2de04bbe", "cfa4d89e", "de9b55ed"))


def test_a_report_is_named_by_its_incident_and_kind(session, directory):
    from models.incidents.records import Incident

    inc = Incident(title="河堤渗水", category="natural_disaster", unit_id=directory["town"].id,
                   received_at=datetime(2026, 12, 1, tzinfo=UTC))
    session.add(inc)
    session.flush()
    e, _ = _one(session, actor="engine", action="report_first", entity="incident_report", entity_id="ab369c67-0",
                after={"incident_id": str(inc.id), "kind": "first"})
    assert view.target_text(e, "zh-CN") == f"{view.entity_text('incident_report', 'zh-CN')} {inc.title} 首报"


def test_a_refusal_note_is_in_the_page_language_and_a_field_recorded_twice_shows_once(session, directory):
    person = directory["people"]["t1"]
    e, names = _one(session, actor="u_duty", action="update", entity="handover",
                    note="值班员角色无权执行此操作（audit:read） (role duty_officer may not audit:read)",
                    before={}, after={"by_person_id": str(person.id), "by_name": person.name})
    assert view.note_text(e, "zh-CN") == "值班员角色无权执行此操作（查看审计日志）"
    assert view.note_text(e, "en") == "role duty_officer may not view the audit log"
    assert [str(f) for f, _, _ in view.changes_text(e, names, "zh-CN")] == ["经办人"]


def test_records_that_carry_their_own_name_read_by_it(session, directory):
    """A plan by its label, a notice by its title; grades and domains by their labels."""
    record(session=session, actor="engine", action="create", entity="spotcheck_plan", entity_id="cbe36936-0",
           after={"label": "2026Q4", "min_per_quarter": 1, "mode": "automated", "checks": 20})
    record(session=session, actor="engine", action="issue", entity="reminder_notice", entity_id="eda37431-0",
           after={"title": "关于做好近期值班值守工作的提醒", "issued_by": "engine"})
    session.flush()
    plan_notice = reading.list_entries(session=session, by=AUDITOR, limit=2)
    notice, plan = plan_notice.entries
    assert view.target_text(plan, "zh-CN") == "抽查计划 2026Q4" and view.target_text(notice, "en").endswith("提醒")
    rows = _rows(plan, plan_notice.names, "zh-CN")
    assert rows["方式"][1] == "自动语音" and rows["抽查次数"][1] == "20" and rows["每季度至少抽查次数"][1] == "1"
    assert view.value_text("escalation_policy", "min_grade", 3, {}, "zh-CN") == "较大"
    assert view.value_text("person", "domain_categories", ["accident"], {}, "zh-CN") == "事故灾难"
