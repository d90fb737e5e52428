"""The console's audit page: names instead of ids, labels, before → after, filters and pages of 50."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.accounts import UserUpdate
from models.directory import PersonUpdate
from services import accounts
from services.audit import record
from services.directory import org
from tests.conftest import PASSWORD
from tests.web.test_auth import login


def _text(html: str) -> str:
    """What a reader sees of the entries (tags removed)."""
    return re.sub(r"<[^>]+>", "", html.split('id="audit-list"', 1)[1])


def _as(client, role):
    assert login(client, f"u_{role}", PASSWORD).status_code == 303


def test_an_edit_reads_as_names_labels_and_a_diff(client, session, directory, users, tokens):
    accounts.update_user(session=session, user_id=users["duty_officer"].id, actor="test",
                         data=UserUpdate(display_name="张三"))
    person = directory["people"]["t1"]
    org.update_person(session=session, person_id=person.id, actor="token:u_duty_officer",
                      data=PersonUpdate(unit_id=directory["dept"].id, title="副镇长"))
    session.commit()
    _as(client, "auditor")
    page = client.get("/audit", params={"entity": "person", "action": "update"})
    assert page.status_code == 200, page.text
    html, text = page.text, _text(page.text)
    assert "张三（值班员）· API 令牌 ‘test duty_officer’" in text and "token:u_duty_officer" not in text
    assert re.search(f'<a href="/people/{person.id}/contacts">人员 <span lang="zh-CN">高观镇值班员</span></a>', html)
    assert "单位：高观镇 → 应急管理局" in text and "职务：— → 副镇长" in text
    assert str(directory["dept"].id) not in html.split('id="audit-list"')[1]  # no raw ids in the entries
    en = _text(client.get("/audit", params={"entity": "person", "action": "update", "lang": "en"}).text)
    assert "张三 (Duty officer) · API token ‘test duty_officer’" in en and "Unit: 高观镇 → 应急管理局" in en
    assert "Title: — → 副镇长" in en and "Changed" in en


def test_times_in_beijing_and_pages_of_fifty(client, session, users):
    for i in range(120):
        record(session=session, actor="engine", action="remind", entity="reminder_notice",
               at=datetime(2026, 12, 1, 16, 0, i % 60, tzinfo=UTC))
    session.commit()
    _as(client, "admin")
    first = client.get("/audit", params={"action": "remind"}).text
    assert first.count('class="card audit-entry"') == 50 and "共 120 条，第 1–50 条" in first
    assert "2026-12-02 00:00:" in first and ">提醒<" in first and "系统（引擎）" in _text(first)
    assert "下一页" in first and "上一页" not in first
    third = client.get("/audit", params={"action": "remind", "page": 3}).text
    assert third.count('class="card audit-entry"') == 20 and "上一页" in third and "下一页" not in third
    assert 'href="/audit?action=remind&amp;page=2"' in third
    past = client.get("/audit", params={"action": "remind", "page": 99999}).text  # 第 4999901–4999900 条 before
    assert "共 120 条，这一页已超出末页" in past and 'href="/audit?action=remind&amp;page=1"' in past
    window = client.get("/audit", params={"action": "remind", "since": "2026-12-02T00:00",
                                          "until": "2026-12-02T00:00:30"}).text
    assert "共 60 条" in window  # office time, not UTC


def test_a_bad_time_is_refused_with_the_field_and_others_may_not_read(client, users):
    _as(client, "auditor")
    r = client.get("/audit", params={"since": "tomorrow"})
    assert r.status_code == 400 and 'data-field="since"' in r.text and "起始时间" in r.text
    client.cookies.clear()
    _as(client, "duty_officer")
    assert client.get("/audit").status_code == 403


def test_a_time_outside_the_era_is_refused_in_the_page_not_a_500(client, users):
    _as(client, "auditor")
    for since, until in (("0001-01-01", ""), ("", "9999-12-31 23:59")):
        r = client.get("/audit", params={"since": since, "until": until})
        assert r.status_code == 400 and "超出合理范围（2000—2100年）" in r.text
        assert 'data-field="since"' in r.text if since else 'data-field="until"' in r.text


def test_structures_actors_targets_and_refusals_read_in_the_page_language(client, session, directory, users):
    """No JSON, no raw actor string, no short id and no second language in an entry (issue 13/14)."""
    town = directory["town"]
    record(session=session, actor="token:u_duty_officer", action="create", entity="leave", entity_id="b9f9f104-1",
           unit_id=town.id, after={"person_id": str(directory["people"]["t1"].id), "start_day": "2026-12-01",
                                   "end_day": "2026-12-02", "filed_by": "token:u_duty_officer",
                                   "config": {"a": 1, "b": 2}})
    record(session=session, actor="u_duty_officer", action="access_refused", entity="access", entity_id="de9b55ed",
           after={"method": "GET", "path": "/audit"},
           note="值班员角色无权执行此操作（audit:read） (role duty_officer may not audit:read)")
    session.commit()
    _as(client, "auditor")
    zh = _text(client.get("/audit").text)
    assert "请假报备 高观镇值班员 2026-12-01—2026-12-02" in zh and "访问 /audit" in zh
    assert re.search(r"报备人：\S+（值班员）· API 令牌", zh), zh
    assert "配置：（已记录，共 2 项）" in zh and "值班员角色无权执行此操作（查看审计日志）" in zh
    assert not any(x in zh for x in ('{"', "token:u_duty", "b9f9f104", "de9b55ed", "may not"))
    en = _text(client.get("/audit", params={"lang": "en"}).text)
    assert "Configuration: (recorded, 2 items)" in en and "role duty_officer may not view the audit log" in en
    assert "无权" not in en and "已记录" not in en


def test_a_target_named_by_an_identifier_is_shown_as_one(client, session, users):
    """A channel is named by the identifier its administrator typed (broken_hook): on a zh-CN page it is shown as an
    identifier, not as if it were a Chinese name (the words walk of the browser tests flagged it)."""
    from models.deliveries import ChannelConfigCreate
    from services.deliveries.channels import create_channel

    create_channel(session=session, actor="test", key="k" * 32, data=ChannelConfigCreate(
        name="broken_hook", kind="webhook", config={"base_url": "http://127.0.0.1:9/x"}))
    session.commit()
    _as(client, "auditor")
    html = client.get("/audit", params={"entity": "channel"}).text
    target = re.search(r'<p class="audit-target">(.*?)</p>', html).group(1)
    assert "<code>broken_hook</code>" in target and 'lang="zh-CN">broken_hook' not in target, target
