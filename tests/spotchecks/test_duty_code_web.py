"""Duty codes (值班识别码) and the plan's 要求按值班识别码 through the console, the API and the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.directory import Person
from models.spotchecks.checks import CheckMode, PhoneCheck, SpotCheckPlan
from tests.spotchecks.conftest import NOW, town_check
from tests.spotchecks.test_web import seen


@pytest.fixture
def web(client, tokens, plan):
    client.app.state.clock = lambda: NOW
    return client


def test_the_units_reporter_sets_a_code_on_the_person_page_and_only_sees_that_it_is_set(web, tokens, session,
                                                                                         directory):
    officer = directory["people"]["t1"]
    page = web.get(f"/people/{officer.id}/contacts", headers=tokens["unit_reporter"])
    assert page.status_code == 200 and "值班识别码" in seen(page.text) and "未设置" in seen(page.text)
    r = web.post(f"/people/{officer.id}/duty-code", data={"code": "4821"}, headers=tokens["unit_reporter"],
                 follow_redirects=False)
    assert r.status_code == 303
    page = web.get(r.headers["location"], headers=tokens["unit_reporter"])
    assert "值班识别码已设置" in seen(page.text) and 'data-set="yes"' in page.text and "4821" not in page.text
    # refused on the page with the reason, nothing kept: too short
    r = web.post(f"/people/{officer.id}/duty-code", data={"code": "12"}, headers=tokens["unit_reporter"])
    assert "4至6位数字" in seen(r.text)
    # a duty officer reads the state but may not set it
    page = web.get(f"/people/{officer.id}/contacts", headers=tokens["duty_officer"])
    assert "已设置" in seen(page.text) and 'id="set-duty-code"' not in page.text
    r = web.post(f"/people/{officer.id}/duty-code", data={"code": "5555"}, headers=tokens["duty_officer"])
    assert "只有系统管理员或本单位填报员" in seen(r.text)
    english = web.get(f"/people/{officer.id}/contacts?lang=en", headers=tokens["unit_reporter"])
    assert "Duty code" in seen(english.text) and "Set (since" in seen(english.text) and "已设置" not in seen(english.text)
    r = web.post(f"/people/{officer.id}/duty-code/clear", headers=tokens["unit_reporter"], follow_redirects=False)
    assert r.status_code == 303 and session.get(Person, officer.id).duty_code_hash is None


def test_the_api_sets_clears_and_never_returns_a_code(web, tokens, session, directory):
    officer, dept = directory["people"]["t1"], directory["people"]["d1"]
    url = f"/api/people/{officer.id}/duty-code"
    r = web.put(url, json={"code": "4821"}, headers=tokens["admin"])
    assert r.status_code == 200 and r.json()["set"] is True and "4821" not in r.text
    assert web.get(url, headers=tokens["duty_officer"]).json()["set"] is True
    assert "duty_code" not in web.get(f"/api/people/{officer.id}", headers=tokens["admin"]).text
    # the same code for another person of the unit: 409; for another unit's person: fine
    other = web.post("/api/people", json={"name": "副站长", "unit_id": str(directory["town"].id)},
                     headers=tokens["admin"]).json()
    assert web.put(f"/api/people/{other['id']}/duty-code", json={"code": "4821"},
                   headers=tokens["admin"]).status_code == 409
    assert web.put(f"/api/people/{dept.id}/duty-code", json={"code": "4821"}, headers=tokens["admin"]).status_code == 200
    assert web.put(f"/api/people/{dept.id}/duty-code", json={"code": "1357"},
                   headers=tokens["unit_reporter"]).status_code == 404  # another unit's person
    assert web.put(url, json={"code": "abcd"}, headers=tokens["admin"]).status_code == 422
    assert web.delete(url, headers=tokens["unit_reporter"]).json()["set"] is False


def test_the_plan_form_asks_for_the_duty_code_and_the_plan_page_changes_it(web, tokens, session):
    page = web.get("/spotchecks/plans", headers=tokens["admin"])
    assert "要求按值班识别码" in seen(page.text) and 'name="require_duty_code"' in page.text
    r = web.post("/spotchecks/plans", headers=tokens["admin"], follow_redirects=False,
                 data={"quarter": "2027Q1", "seed": "3", "mode": "automated", "require_duty_code": "on"})
    assert r.status_code == 303
    plan = session.exec(select(SpotCheckPlan).where(SpotCheckPlan.label == "2027Q1")).one()
    assert plan.require_duty_code is True
    detail = web.get(r.headers["location"], headers=tokens["admin"])
    assert "要求按值班识别码：是" in seen(detail.text)
    web.post(f"/spotchecks/plans/{plan.id}/duty-code", data={"require_duty_code": "off"}, headers=tokens["admin"])
    session.refresh(plan)
    assert plan.require_duty_code is False
    api = web.patch(f"/api/spotchecks/plans/{plan.id}", json={"require_duty_code": True}, headers=tokens["admin"])
    assert api.status_code == 200 and api.json()["require_duty_code"] is True
    # unchecked: off (the default)
    web.post("/spotchecks/plans", headers=tokens["admin"], data={"quarter": "2027Q2", "seed": "3", "mode": "automated"})
    assert session.exec(select(SpotCheckPlan).where(SpotCheckPlan.label == "2027Q2")).one().require_duty_code is False


def test_the_results_show_who_answered_by_code_next_to_who_was_rostered(web, tokens, session, plan, directory):
    pc = town_check(session, plan, directory, due=NOW - timedelta(minutes=5), mode=CheckMode.automated)
    colleague = directory["people"]["t1"]
    session.add(PhoneCheck(unit_id=directory["town"].id, planned_check_id=pc.id, mode=CheckMode.automated,
                           started_at=NOW - timedelta(minutes=4), outcome="stand_in_answered",
                           answered_by="高观镇副站长", answered_person_id=colleague.id, roster_match=False,
                           rostered="高观镇值班员", recorded_by="system:spotcheck", recorded_at=NOW))
    session.commit()
    page = web.get("/spotchecks", headers=tokens["duty_officer"])
    text = seen(page.text)
    assert "非排班人员接听（代班/顶班）" in text and "高观镇副站长（按识别码）" in text and "高观镇值班员" in text
    english = seen(web.get("/spotchecks?lang=en", headers=tokens["duty_officer"]).text)
    assert "Answered by someone not on the roster (stand-in)" in english and "Rostered" in english


def test_cli_sets_a_code_without_echo_and_plans_with_the_setting(cli_db):
    from typer.testing import CliRunner

    from dutydesk.cli import app
    from tests.conftest import run_cli

    assert run_cli("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    assert run_cli("people", "add", "t1", "张三").exit_code == 0
    pid = run_cli("people", "list").output.split()[0]
    r = CliRunner().invoke(app, ["people", "duty-code", pid], input="4821\n4821\n")
    assert r.exit_code == 0, r.output
    assert "已设置" in r.output and "4821" not in r.output
    assert "识别码已设置" in run_cli("people", "list").output
    again = CliRunner().invoke(app, ["people", "duty-code", pid], input="12\n12\n")
    assert again.exit_code != 0 and "4至6位数字" in again.output
    assert run_cli("people", "duty-code", pid, "--clear").exit_code == 0
    assert "识别码已设置" not in run_cli("people", "list").output
    r = run_cli("spotcheck", "plan", "--quarter", "2026Q4", "--seed", "1", "--mode", "automated", "--duty-code")
    assert r.exit_code == 0 and "要求按值班识别码" in r.output, r.output


def test_the_code_outcomes_are_counted_and_worded_in_the_circular_and_the_statistics(web, tokens, session, directory):
    import io

    from docx import Document

    for outcome, minutes in (("stand_in_answered", 60), ("duty_code_wrong", 120), ("duty_code_missing", 180)):
        session.add(PhoneCheck(unit_id=directory["town"].id, mode=CheckMode.automated, outcome=outcome,
                               started_at=NOW - timedelta(days=2, minutes=minutes), recorded_by="system:spotcheck"))
    session.commit()
    made = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 11}, headers=tokens["duty_officer"])
    assert made.status_code == 201
    doc = web.get(f"/api/spotchecks/circulars/{made.json()['id']}.docx", headers=tokens["auditor"]).content
    text = "\n".join(p.text for p in Document(io.BytesIO(doc)).paragraphs) + "\n".join(
        c.text for t in Document(io.BytesIO(doc)).tables for row in t.rows for c in row.cells)
    assert "非排班人员接听（代班/顶班）1次" in text and "识别码错误1次" in text and "未输入识别码1次" in text
    stats = seen(web.get("/statistics?year=2026", headers=tokens["auditor"]).text)
    assert "非排班人员接听（代班/顶班）" in stats and "识别码错误" in stats and "未输入识别码" in stats
    english = seen(web.get("/statistics?year=2026&lang=en", headers=tokens["auditor"]).text)
    assert "Answered by someone not on the roster (stand-in)" in english and "Wrong duty code" in english
    assert "No duty code keyed" in english and "识别码" not in english
