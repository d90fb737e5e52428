"""Audit values a clerk reads without codes (issue 13): the days an import rewrote after they were served, with
the names on each post; a year's holidays imported from the State Council notice, by festival."""

from __future__ import annotations

from services.access import Actor
from models.accounts import Role
from services.audit import reading, record
from web.console.audit import view

AUDITOR = Actor("u_auditor", Role.auditor)
SERVED = {"2026-12-01": {"leader": ["黄文静"], "officer": ["张志强", "吴春梅"]}}
AFTER = {"2026-12-01": {"leader": ["李明华"], "officer": ["陈晓燕"]}}


def _last(session):
    session.flush()
    page = reading.list_entries(session=session, by=AUDITOR, limit=1)
    return page.entries[0], page.names


def test_rewritten_served_days_read_with_the_names_on_each_post(session):
    record(session=session, actor="clerk", action="overwrite_served", entity="roster", entity_id="u1",
           before=SERVED, after=AFTER, note="导入覆盖已值班日期：2026-12-01")
    e, names = _last(session)
    assert view.changes_text(e, names, "zh-CN") == [
        ("2026-12-01", "带班领导 黄文静；值班员 张志强、吴春梅", "带班领导 李明华；值班员 陈晓燕")]
    assert view.changes_text(e, names, "en") == [
        ("2026-12-01", "Duty leader 黄文静; Duty officer 张志强, 吴春梅", "Duty leader 李明华; Duty officer 陈晓燕")]


def test_holidays_from_the_notice_read_by_festival(session):
    days = ([["2026-01-01", "holiday", "元旦"], ["2026-01-02", "holiday", "元旦"], ["2026-01-04", "makeup_workday", "元旦"]]
            + [[f"2026-02-{d}", "holiday", "春节"] for d in range(15, 24)] + [["2026-02-14", "makeup_workday", "春节"]])
    record(session=session, actor="clerk", action="import_notice", entity="holiday", entity_id="2026",
           before={"days": []}, after={"days": days})
    e, names = _last(session)
    (field, before, after), = view.changes_text(e, names, "zh-CN")
    assert before == "—"
    assert after == "13 天：元旦 放假 2 天、调休上班 1 天；春节 放假 9 天、调休上班 1 天"
    (_, _, after_en), = view.changes_text(e, names, "en")
    assert after_en == ("13 days: New Year's Day 2 days off, 1 make-up workdays; "
                        "Spring Festival 9 days off, 1 make-up workdays")  # the festivals in the reader's language


def test_an_automated_call_reads_by_labels_not_codes(session):
    record(session=session, actor="engine", action="receipt", entity="ivr_attempt", entity_id="a1",
           after={"kind": "no_answer", "result": "key_pressed", "status": "calling"})
    e, names = _last(session)
    rows = {str(f): (str(a)) for f, _, a in view.changes_text(e, names, "zh-CN")}
    assert set(rows.values()) == {"无人接听", "已按键确认", "呼叫中"}, rows
    rows_en = {str(a) for _, _, a in view.changes_text(e, names, "en")}
    assert rows_en == {"no answer", "Key pressed", "Calling"}


def test_a_refusal_names_the_field_and_the_permission_in_words(session):
    record(session=session, actor="u_duty", action="access_refused", entity="access", entity_id="x",
           after={"method": "POST", "path": "/api/spotchecks", "status": 403, "field": "unit_id"},
           note="值班员角色无权执行此操作（spotchecks:write） (role duty_officer may not spotchecks:write)")
    e, names = _last(session)
    fields = {str(a) for f, _, a in view.changes_text(e, names, "zh-CN")}
    assert "unit_id" not in fields and view.field_text("unit_id", "zh-CN") in fields
    assert view.note_text(e, "zh-CN") == "值班员角色无权执行此操作（编辑电话抽查）"
    assert view.note_text(e, "en") == "role duty_officer may not edit spot checks"


def test_a_refusal_now_says_the_permission_in_words(client, tokens):
    r = client.post("/api/audit/verify", headers=tokens["unit_reporter"])
    assert r.status_code == 403
    assert "（查看审计日志）" in r.text and "audit:read" not in r.text


def test_a_message_reads_by_its_recipient(session, directory):
    from models.deliveries import Delivery
    person = directory["people"]["t1"]
    d = Delivery(idempotency_key="k1", group_key="g1", source="test", person_id=person.id,
                 recipient={"name": person.name}, channel="sms")
    session.add(d)
    session.flush()
    record(session=session, actor="engine", action="update", entity="ack", entity_id="x",
           after={"delivery_id": str(d.id)})
    e, names = _last(session)
    (_, _, after), = view.changes_text(e, names, "zh-CN")
    assert after == person.name


def test_a_calendar_feed_reads_by_its_kind(session):
    record(session=session, actor="clerk", action="create", entity="ical_feed", entity_id="f1",
           after={"kind": "unit"})
    e, names = _last(session)
    assert [str(a) for _, _, a in view.changes_text(e, names, "zh-CN")] == ["单位值班日历"]
    assert [str(a) for _, _, a in view.changes_text(e, names, "en")] == ["A unit's duty calendar"]


def test_the_holiday_days_field_has_a_label():
    assert view.field_text("days", "zh-CN") == "日期" and view.field_text("days", "en") == "Days"


def test_a_merged_incident_status_reads_by_its_label(session):
    record(session=session, actor="clerk", action="merge", entity="incident", entity_id="i1",
           before={"status": "open"}, after={"status": "merged"})
    e, names = _last(session)
    assert [(str(b), str(a)) for _, b, a in view.changes_text(e, names, "zh-CN")] == [("未结", "已合并")]
    assert [(str(b), str(a)) for _, b, a in view.changes_text(e, names, "en")] == [("Open", "Merged")]


def test_disabling_a_policy_reads_as_an_action_like_enabling_it():
    """An escalation policy switched off was logged as the bare word `disable`, its neighbours "Created", "Edited"."""
    assert (view.action_text("disable", "zh-CN"), view.action_text("disable", "en")) == ("停用", "Disabled")
    assert (view.action_text("enable", "zh-CN"), view.action_text("enable", "en")) == ("启用", "Enabled")


def test_a_reports_missing_elements_read_as_elements_not_missing_persons(session):
    """A 终报 with 事件情况/处置情况 empty read `失联：situation、handling` (missing persons, internal names)."""
    record(session=session, actor="clerk", action="report_final", entity="incident_report", entity_id="r1",
           after={"kind": "final", "number": 0, "missing": ["situation", "handling"]})
    e, names = _last(session)
    rows = {str(f): str(a) for f, _, a in view.changes_text(e, names, "zh-CN")}
    assert rows["缺少要素"] == "事件情况、处置情况" and "失联" not in rows
    assert "续报序号" not in rows and "号码" not in rows  # a final report has no number to show
    rows_en = {str(f): str(a) for f, _, a in view.changes_text(e, names, "en")}
    assert rows_en["Missing elements"] == "situation, handling"
    record(session=session, actor="clerk", action="report_followup", entity="incident_report", entity_id="r2",
           after={"kind": "followup", "number": 2, "missing": []})
    e, names = _last(session)
    assert {str(f): str(a) for f, _, a in view.changes_text(e, names, "zh-CN")}["续报序号"] == "2"
    record(session=session, actor="clerk", action="update", entity="incident", entity_id="i1",
           before={"missing": 0}, after={"missing": 3})
    e, names = _last(session)
    assert [(str(f), str(a)) for f, _, a in view.changes_text(e, names, "zh-CN")] == [("失联", "3")]


def test_an_incident_receipt_reads_as_its_sign_for_and_the_action_filter_says_each_word_once(client, users,
                                                                                            session):
    """A 签收 entry shows 签收 (not 回执, a phone check's word); the filter lists 签收, and 修改 once (update and
    edit both), and choosing 签收 finds the incident's, not the call's 回执."""
    import re

    from tests.conftest import PASSWORD

    record(session=session, actor="u_duty", action="receipt", entity="incident", entity_id="i1", note="张三 签收")
    record(session=session, actor="engine", action="receipt", entity="ivr_attempt", entity_id="a1")
    record(session=session, actor="clerk", action="sign", entity="handover", entity_id="h1")
    record(session=session, actor="clerk", action="update", entity="unit", entity_id="u1")
    record(session=session, actor="clerk", action="edit", entity="escalation_policy", entity_id="p1")
    session.commit()
    assert client.post("/login", data={"username": users["auditor"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/audit").text
    select = page.split('name="action"')[1].split("</select>")[0]
    labels = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)
    assert len(labels) == len(set(labels)), labels
    assert {"签收", "回执", "修改"} <= set(labels)
    (sign,) = re.findall(r'<option value="([^"]+)"[^>]*>签收</option>', select)
    shown = client.get("/audit", params={"action": sign}).text
    actions = re.findall(r'<strong class="audit-action">([^<]+)</strong>', shown)
    assert actions and set(actions) == {"签收"} and len(actions) == 2, actions  # the incident's and the handover's
    assert "张三 签收" in shown
    (edited,) = re.findall(r'<option value="([^"]+)"[^>]*>修改</option>', select)
    assert re.findall(r'<strong class="audit-action">([^<]+)</strong>',
                      client.get("/audit", params={"action": edited}).text).count("修改") >= 2
    en = client.get("/audit?lang=en").text.split('name="action"')[1].split("</select>")[0]
    en_labels = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', en)
    assert len(en_labels) == len(set(en_labels)) and "Signed" in en_labels, en_labels
