"""The 升级策略 console page: the list in plain words, create and edit with steps, a refused save keeps the input."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.escalation import PolicyRuleRow
from tests.incidents.test_console import _login
from tests.incidents.test_policy_edits import channels  # noqa: F401 - the fixture


def form(csrf, **kw):
    data = {"csrf_token": csrf, "n_steps": "2", "name": "夜间防汛", "position": "10", "categories": "natural_disaster",
            "min_grade": "3", "sensitive": "", "repeat": "1", "start_delay_minutes": "0", "ack_timeout_minutes": "20",
            "s0.targets": ["duty_leader_now:", "category_leader:"], "s0.ch0": "wecom", "s0.ch1": "sms", "s0.ch2": "",
            "s0.wait": "5", "s0.ack": "all",
            "s1.targets": "unit_head:", "s1.ch0": "voice", "s1.ch1": "", "s1.ch2": "", "s1.wait": "10", "s1.ack": "any",
            "action": "save"}
    data.update(kw)
    return data


def test_create_then_edit_from_the_form(client, app, users, county, clock, session, channels):  # noqa: F811
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    assert client.get("/escalation-policies/new").status_code == 200
    r = client.post("/escalation-policies/new", data=form(csrf), follow_redirects=False)
    assert r.status_code == 303, r.text
    row = session.exec(select(PolicyRuleRow)).one()
    assert row.steps[0]["channels"] == ["wecom", "sms"] and row.steps[0]["ack"] == "all"
    assert row.ack_timeout_minutes == 20
    page = client.get("/escalation-policies").text
    text = re.sub(r"<[^>]+>", "", page)
    assert "通知当班带班领导、分管该类事件的领导" in text and "企业微信群 → 短信" in text and "须全部确认" in text
    assert "Ⅲ级（较大）及以上" in text and "自然灾害" in text and "第1版" in text
    assert "duty_leader_now" not in text and "wecom" not in text  # labels, never the values

    edit = client.get(f"/escalation-policies/{row.id}/edit").text
    assert 'value="夜间防汛"' in edit and 'value="duty_leader_now:" checked' in edit
    r = client.post(f"/escalation-policies/{row.id}/edit", data=form(csrf, **{"s1.wait": "15", "note": "放宽"}),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    session.refresh(row)
    assert row.version == 2 and row.steps[1]["wait_minutes"] == 15
    assert "第2版" in client.get("/escalation-policies").text
    r = client.post(f"/escalation-policies/{row.id}/disable", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    session.refresh(row)
    assert row.enabled is False


def test_a_refused_save_keeps_the_input_and_shows_the_errors(client, app, users, county, clock, session,
                                                            channels):  # noqa: F811
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    bad = form(csrf, **{"s1.targets": "role:leader", "s1.wait": "abc"})
    r = client.post("/escalation-policies/new", data=bad)
    assert r.status_code == 422
    assert 'role="alert"' in r.text and 'href="#f-steps-1-wait_minutes"' in r.text and "请填写数字" in r.text
    assert 'value="夜间防汛"' in r.text and 'value="abc"' in r.text and 'value="role:leader" checked' in r.text
    r = client.post("/escalation-policies/new", data=form(csrf, **{"s1.targets": "role:leader"}))
    assert r.status_code == 422 and 'data-field="steps.1.targets"' in r.text and "第2步" in r.text
    assert 'value="role:leader" checked' in r.text and 'value="20"' in r.text
    assert session.exec(select(PolicyRuleRow)).all() == []


def test_add_and_remove_a_step_without_script(client, app, users, county, clock, session, channels):  # noqa: F811
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/escalation-policies/new", data=form(csrf, action="add_step"))
    assert r.status_code == 200 and "第3步" in r.text and 'name="n_steps" value="3"' in r.text
    assert 'value="夜间防汛"' in r.text and session.exec(select(PolicyRuleRow)).all() == []
    r = client.post("/escalation-policies/new", data=form(csrf, action="remove:0"))
    assert "第2步" not in r.text and 'value="unit_head:" checked' in r.text


def test_roles_on_the_page(client, app, users, county, clock, channels):  # noqa: F811
    app.state.clock = clock
    _login(client, "u_leader")
    page = client.get("/escalation-policies")
    assert page.status_code == 200 and "/escalation-policies/new" not in page.text
    assert client.get("/escalation-policies/new").status_code == 403
    client.post("/logout")
    client.cookies.clear()
    _login(client, "u_unit_reporter")
    assert client.get("/escalation-policies").status_code == 403


def test_the_person_picker_names_each_persons_unit_and_title(client, app, users, county, clock, session,
                                                             channels):  # noqa: F811
    """~150 names are findable: grouped by unit, each 姓名（单位·职务）, with a filter box (no CDN, app.js)."""
    _login(client, "u_duty_officer")
    page = client.get("/escalation-policies/new").text
    hub = county["hub"].name
    assert f'<optgroup label="{hub}">' in page
    assert f"副县长钱立新（{hub}·副县长）" in page and f"县长赵国华（{hub}·县长）" in page
    assert 'class="picker-filter"' in page and "输入姓名、单位或职务筛选" in page
    for url in ("/leaves", "/swaps", "/leave-pairs"):
        shown = client.get(url).text
        assert f"副县长钱立新（{hub}·副县长）" in shown, url


def test_the_built_in_inbox_reads_by_its_label_on_the_english_list(client, app, users, county, clock, session,
                                                                 channels):  # noqa: F811
    """The English list once named the inbox 控制台收件箱 (its built-in title), as the timeline no longer did; a
    title an administrator gave stays their words."""
    from models.deliveries import ChannelConfig

    session.add(ChannelConfig(name="inbox", kind="inbox", title="控制台收件箱", config={}))
    session.commit()
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    assert client.post("/escalation-policies/new", data=form(csrf, **{"s0.ch0": "inbox"}),
                       follow_redirects=False).status_code == 303
    en = re.sub(r"<[^>]+>", "", client.get("/escalation-policies?lang=en").text)
    assert "Console inbox → 短信" in en and "控制台收件箱" not in en
    zh = re.sub(r"<[^>]+>", "", client.get("/escalation-policies?lang=zh-CN").text)
    assert "控制台收件箱 → 短信" in zh


def test_an_edit_is_audited_step_by_step_with_its_reason_and_every_version_is_listed(
        client, app, users, county, clock, session, channels):  # noqa: F811
    """The audit entry read 步骤: 共 2 步 → 共 2 步 and no page showed the versions the form said were kept."""
    from services.audit import reading
    from services.access import Actor
    from models.accounts import Role
    from web.console.audit import view

    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    assert client.post("/escalation-policies/new", data=form(csrf), follow_redirects=False).status_code == 303
    row = session.exec(select(PolicyRuleRow)).one()
    r = client.post(f"/escalation-policies/{row.id}/edit", data=form(csrf, **{"s1.wait": "15", "note": "夜间放宽等待"}),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    session.expire_all()
    page = reading.list_entries(session=session, by=Actor("u_auditor", Role.auditor), limit=5)
    e = next(x for x in page.entries if x.action == "edit")
    rows = {str(f): (str(b), str(a)) for f, b, a in view.changes_text(e, page.names, "zh-CN")}
    assert "步骤" not in rows and "第1步" not in rows  # only the step that changed
    assert rows["第2步"] == ("通知主要领导 · 语音电话 · 等待确认10分钟 · 任一人确认即可",
                            "通知主要领导 · 语音电话 · 等待确认15分钟 · 任一人确认即可")
    en = {str(f): str(a) for f, _, a in view.changes_text(e, page.names, "en")}
    assert en["Step 2"] == "Notify the principal leader · 语音电话 · wait 15 min for an acknowledgement · one acknowledgement is enough"
    assert "夜间放宽等待" in str(view.note_text(e, "zh-CN"))
    listed = client.get("/escalation-policies").text
    assert f'href="/escalation-policies/{row.id}/versions"' in listed
    versions = client.get(f"/escalation-policies/{row.id}/versions")
    assert versions.status_code == 200
    text = re.sub(r"<[^>]+>", "", versions.text)
    assert "第2版" in text and "第1版" in text and "夜间放宽等待" in text
    assert "等待确认15分钟" in text and "等待确认10分钟" in text
    assert text.index("第2版") < text.index("第1版")  # newest first
