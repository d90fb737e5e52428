"""The spot-check API and console: permissions, 4xx with nothing changed, uploads, exports, circulars, statistics."""

from __future__ import annotations

import re

import io
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import func, select

from models.audit import AuditEntry
from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import ExplanationRequest, InspectionAttachment
from tests.spotchecks.conftest import NOW, TZ, town_check

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def web(client, tokens, plan):
    client.app.state.clock = lambda: NOW
    return client


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_plans_are_hidden_from_units_and_shown_to_auditors(web, tokens, plan):
    assert web.get("/api/spotchecks/plans", headers=tokens["unit_reporter"]).status_code == 403
    assert web.get("/spotchecks/plans", headers=tokens["unit_reporter"]).status_code == 403
    assert web.get("/api/spotchecks/tasks", headers=tokens["unit_reporter"]).status_code == 403
    got = web.get("/api/spotchecks/plans", headers=tokens["auditor"])
    assert got.status_code == 200 and got.json()[0]["label"] == "2026Q4" and got.json()[0]["checks"] == 2
    assert web.post("/api/spotchecks/plans", json={"quarter": "2027Q1", "seed": "1"},
                    headers=tokens["auditor"]).status_code == 403


def seen(html: str) -> str:
    """The text the officer reads (names are marked lang="zh-CN" in the markup)."""
    return re.sub(r"<[^>]+>", "", html)


def test_duty_officer_sees_call_now_and_records_from_the_console(web, tokens, session, plan, directory):
    pc = town_check(session, plan, directory)
    page = web.get("/spotchecks", headers=tokens["duty_officer"])
    assert "请立即致电 高观镇" in seen(page.text) and "0838-1234567" in seen(page.text) and "接听超过三声" in seen(page.text)
    dash = web.get("/", headers=tokens["duty_officer"])
    assert "值班抽查：请立即致电 高观镇（0838-1234567）" in seen(dash.text)
    english = web.get("/?lang=en", headers=tokens["duty_officer"])
    assert "Spot check: call 高观镇 now (0838-1234567)" in seen(english.text) and "请立即致电" not in seen(english.text)
    assert "请立即致电" not in web.get("/", headers=tokens["unit_reporter"]).text
    r = web.post("/spotchecks/results", headers=tokens["duty_officer"], follow_redirects=False,
                 data={"planned_check_id": str(pc.id), "outcome": "slow_answer", "rings": "5", "answered_by": "李四"})
    assert r.status_code == 303
    [check] = session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == pc.id)).all()
    assert (check.outcome, check.rings, check.recorded_by) == ("slow_answer", 5, "token:u_duty_officer")
    assert "请立即致电 高观镇" not in seen(web.get("/spotchecks", headers=tokens["duty_officer"]).text)


@pytest.mark.parametrize(("unit", "over", "field"), [
    ("hub", {}, "unit_id"),  # not in the plan
    ("town", {"started_at": (NOW + timedelta(hours=2)).isoformat()}, "started_at"),
    ("town", {"outcome": "sleeping"}, "outcome"),
])
def test_bad_results_are_4xx_naming_the_field_and_change_nothing(web, tokens, session, directory, unit, over, field):
    before = (count(session, PhoneCheck), count(session, AuditEntry))
    body = {"unit_id": str(directory[unit].id), "started_at": NOW.isoformat(), "outcome": "normal", **over}
    r = web.post("/api/spotchecks/results", json=body, headers=tokens["duty_officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field]
    assert (count(session, PhoneCheck), count(session, AuditEntry)) == before


def test_manual_over_automated_is_409_and_a_correction_points_at_the_old_entry(web, tokens, session, plan, directory):
    pc = town_check(session, plan, directory)
    auto = PhoneCheck(unit_id=pc.unit_id, planned_check_id=pc.id, mode="automated", started_at=NOW,
                      outcome="no_answer", recorded_by="system")
    session.add(auto)
    session.commit()
    body = {"planned_check_id": str(pc.id), "started_at": NOW.isoformat(), "outcome": "normal"}
    r = web.post("/api/spotchecks/results", json=body, headers=tokens["duty_officer"])
    assert r.status_code == 409 and "请改为登记更正" in r.json()["detail"][0]["msg"]
    assert "自动外呼结果" in r.json()["detail"][0]["msg"]  # in words, not the enum's value
    fix = {"started_at": body["started_at"], "outcome": "normal", "reason": "线路故障，复拨已接通"}  # no planned_check_id
    r = web.post(f"/api/spotchecks/results/{auto.id}/corrections", json=fix, headers=tokens["duty_officer"])
    assert r.status_code == 201 and r.json()["corrects_id"] == str(auto.id)
    assert session.get(PhoneCheck, auto.id).outcome == "no_answer"
    current = web.get("/api/spotchecks/results", headers=tokens["auditor"]).json()
    assert [c["outcome"] for c in current] == ["normal"]


def test_attachments_only_images_and_pdf_within_the_size_limit(web, tokens, session, settings, directory):
    r = web.post("/api/spotchecks/inspections", headers=tokens["duty_officer"], json={
        "held_at": NOW.isoformat(), "inspectors": ["王海燕"], "places": ["高观镇值班室"],
        "unit_ids": [str(directory["town"].id)], "findings": "值班记录不全"})
    assert r.status_code == 201
    url = f"/api/spotchecks/inspections/{r.json()['id']}/attachments"
    bad = web.post(url, headers=tokens["duty_officer"], files={"file": ("x.png", b"MZ\x90 not an image", "image/png")})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "file"]
    big = web.post(url, headers=tokens["duty_officer"],
                   files={"file": ("big.pdf", b"%PDF-" + b"0" * web.app.state.settings.spotchecks.attachment_max_bytes, "application/pdf")})
    assert big.status_code == 413
    # issue 13 (M9): a control character in the multipart file name is refused like in any other field
    raw = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="a\x01b.png"\r\n'
           b"Content-Type: image/png\r\n\r\n" + PNG + b"\r\n--B--\r\n")  # as a raw client sends it (httpx escapes)
    ctl = web.post(url, headers={**tokens["duty_officer"], "Content-Type": "multipart/form-data; boundary=B"},
                   content=raw)
    assert ctl.status_code == 422 and ctl.json()["detail"][0]["loc"] == ["body", "file"], ctl.text
    assert count(session, InspectionAttachment) == 0
    ok = web.post(url, headers=tokens["duty_officer"], files={"file": ("photo.png", PNG, "image/png")})
    assert ok.status_code == 201
    stored = settings.data_dir / ok.json()["path"]
    assert stored.read_bytes() == PNG and ok.json()["sha256"] in stored.name


def _checked(session, plan, directory):
    pc = town_check(session, plan, directory)
    for i, outcome in enumerate(["no_answer", "officer_absent"]):
        session.add(PhoneCheck(unit_id=pc.unit_id, mode="manual", started_at=NOW - timedelta(days=3 + i),
                               outcome=outcome, recorded_by="duty"))
    session.commit()


def test_exports_mask_phones_unless_asked_and_asking_is_audited(web, tokens, session, plan, directory):
    _checked(session, plan, directory)
    masked = web.get("/api/spotchecks/export?format=csv&kind=phone", headers=tokens["auditor"])
    assert masked.status_code == 200 and "0838-***4567" in masked.text and "0838-1234567" not in masked.text
    assert "无人接听" in masked.text
    full = web.get("/api/spotchecks/export?format=xlsx&unmask=true&outcome=no_answer", headers=tokens["auditor"])
    ws = load_workbook(io.BytesIO(full.content)).active
    rows = list(ws.values)
    assert len(rows) == 2 and rows[1][3] == "0838-1234567" and rows[1][4] == "无人接听"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export_unmasked")).one()
    assert entry.actor == "token:u_auditor" and entry.after["filter"]["outcome"] == "no_answer"
    assert web.get("/api/spotchecks/export", headers=tokens["duty_officer"]).status_code == 403
    assert web.get("/api/spotchecks/export?kind=x", headers=tokens["auditor"]).status_code == 422


def test_console_export_form_with_blank_fields_downloads_and_a_bad_period_is_named_in_chinese(web, tokens, session,
                                                                                               plan, directory):
    _checked(session, plan, directory)
    page = web.get("/spotchecks/export", headers=tokens["auditor"])
    assert 'action="/spotchecks/export/file"' in page.text
    # the form as a browser submits it untouched: every field present, every one blank
    blank = web.get("/spotchecks/export/file?since=&until=&unit_id=&kind=&outcome=&format=xlsx",
                    headers=tokens["auditor"])
    assert blank.status_code == 200 and "spreadsheetml" in blank.headers["content-type"]
    assert len(list(load_workbook(io.BytesIO(blank.content)).active.values)) == 3  # header + both records
    backwards = web.get("/spotchecks/export/file?since=2026-11-30&until=2026-11-01&unit_id=&kind=phone&format=csv",
                        headers=tokens["auditor"])
    assert backwards.status_code == 422 and "text/html" in backwards.headers["content-type"]
    assert 'data-field="until">截止日期早于起始日期' in backwards.text and 'role="alert"' in backwards.text
    assert 'value="2026-11-30"' in backwards.text and '<option value="phone" selected>' in backwards.text
    assert web.get("/spotchecks/export/file?since=2026-13-01", headers=tokens["auditor"]).status_code == 422
    assert web.get("/spotchecks/export/file", headers=tokens["duty_officer"]).status_code == 403


def test_monthly_circular_docx_ranks_and_asks_twice_failed_unit_to_explain(web, tokens, session, plan, directory):
    _checked(session, plan, directory)
    r = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 11}, headers=tokens["duty_officer"])
    assert r.status_code == 201
    doc = web.get(f"/api/spotchecks/circulars/{r.json()['id']}.docx", headers=tokens["auditor"])
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "关于2026年11月值班电话抽查情况的通报" in text and "高观镇本季度两次及以上抽查不合格" in text
    [req] = session.exec(select(ExplanationRequest)).all()
    assert (req.unit_id, req.failures, req.status) == (directory["town"].id, 2, "requested")
    again = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 11}, headers=tokens["duty_officer"])
    assert again.status_code == 409
    mine = web.get("/api/spotchecks/explanations", headers=tokens["unit_reporter"]).json()
    assert [m["id"] for m in mine] == [str(req.id)]
    ans = web.post(f"/api/spotchecks/explanations/{req.id}/answer", json={"answer": "值班员临时离岗，已批评教育"},
                   headers=tokens["unit_reporter"])
    assert ans.status_code == 200 and ans.json()["status"] == "answered"
    printed = web.get(f"/spotchecks/circulars/{r.json()['id']}/print", headers=tokens["leader"])
    assert "高观镇" in printed.text and "无人接听1次" in printed.text


def test_statistics_page_draws_inline_svg(web, tokens, session, plan, directory):
    _checked(session, plan, directory)
    page = web.get("/statistics?year=2026", headers=tokens["leader"])
    assert page.status_code == 200 and "<svg" in page.text and "高观镇 11月 0%" in page.text
    assert "电话抽查2次" in page.text
    outcomes = page.text[page.text.index('id="outcomes"'):]
    assert "无人接听</td><td>1" in outcomes and "值班员不在岗</td><td>1" in outcomes and "网络舆情" in page.text
    api = web.get("/api/statistics/yearly?year=2026", headers=tokens["leader"]).json()
    assert api["outcomes"] == {"no_answer": 1, "officer_absent": 1} and "public_opinion" in api["months"][0]
    assert web.get("/statistics", headers=tokens["unit_reporter"]).status_code == 403


def test_yearly_report_docx_has_its_charts_and_is_dated_by_the_server_clock(web, tokens, session, plan, directory):
    _checked(session, plan, directory)
    r = web.get("/api/statistics/yearly.docx?year=2026", headers=tokens["leader"])
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    assert len(doc.inline_shapes) == 4
    assert [p.text for p in doc.paragraphs][-2:] == ["城口县人民政府办公室", "2026年11月20日"]  # NOW, local day
    assert web.get("/api/statistics/yearly.docx?year=2026", headers=tokens["unit_reporter"]).status_code == 403


def test_a_console_correction_keeps_the_time_and_roster_judgement_and_is_audited(web, tokens, session, plan,
                                                                                 directory):
    from tests.spotchecks.test_plans_and_results import _on_duty

    pc = town_check(session, plan, directory)
    person = _on_duty(session, directory, NOW - timedelta(hours=2))
    r = web.post("/spotchecks/results", headers=tokens["duty_officer"], follow_redirects=False,
                 data={"planned_check_id": str(pc.id), "outcome": "slow_answer", "answered_by": person.name,
                       "started_at": (NOW - timedelta(minutes=10)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 303
    [old] = session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == pc.id)).all()
    assert old.roster_match is True and old.started_at == NOW - timedelta(minutes=10)
    web.app.state.clock = lambda: NOW + timedelta(days=2)  # corrected two days later: nobody rostered then
    page = web.get("/spotchecks", headers=tokens["duty_officer"])
    assert "在班判断不变" in page.text and "Keep the roster judgement" in web.get(
        "/spotchecks?lang=en", headers=tokens["duty_officer"]).text
    r = web.post(f"/spotchecks/results/{old.id}/correct", headers=tokens["duty_officer"], follow_redirects=False,
                 data={"outcome": "normal", "reason": "复听录音，三声内接听", "roster_match": "keep"})
    assert r.status_code == 303
    new = session.exec(select(PhoneCheck).where(PhoneCheck.corrects_id == old.id)).one()
    assert (new.outcome, new.started_at, new.roster_match) == ("normal", old.started_at, True)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "correct")).one()
    assert (entry.before["outcome"], entry.after["outcome"]) == ("slow_answer", "normal")
    assert entry.before["started_at"] == entry.after["started_at"]
    r = web.post(f"/spotchecks/results/{new.id}/correct", headers=tokens["duty_officer"], follow_redirects=False,
                 data={"outcome": "normal", "reason": "系顶班人员", "roster_match": "no"})
    latest = session.exec(select(PhoneCheck).where(PhoneCheck.corrects_id == new.id)).one()
    assert r.status_code == 303 and (latest.roster_match, latest.started_at) == (False, old.started_at)


def test_an_issued_circular_is_frozen_its_print_page_and_docx_show_what_was_issued(web, tokens, session, plan,
                                                                                     directory, settings):
    from pathlib import Path

    _checked(session, plan, directory)
    r = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 11}, headers=tokens["duty_officer"])
    assert r.status_code == 201
    issued = "对1个单位开展值班电话抽查2次，合格0次，不合格2次"
    # after issuing: a failure corrected to normal and another unit checked — today's figures differ
    failed = session.exec(select(PhoneCheck).where(PhoneCheck.outcome == "no_answer")).one()
    fix = web.post(f"/api/spotchecks/results/{failed.id}/corrections", headers=tokens["duty_officer"],
                   json={"outcome": "normal", "reason": "复核录音，实为正常接听"})
    assert fix.status_code == 201 and fix.json()["started_at"][:19] == failed.started_at.isoformat()[:19]
    session.add(PhoneCheck(unit_id=directory["dept"].id, mode="manual", started_at=NOW - timedelta(days=1),
                           outcome="busy", recorded_by="duty"))
    session.commit()
    printed = web.get(f"/spotchecks/circulars/{r.json()['id']}/print", headers=tokens["leader"]).text
    assert issued in printed and "无人接听1次" in printed and "应急管理局" not in printed
    assert "高观镇本季度两次及以上抽查不合格" in printed
    doc = web.get(f"/api/spotchecks/circulars/{r.json()['id']}.docx", headers=tokens["auditor"])
    assert issued in "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    (Path(settings.data_dir) / r.json()["doc_path"]).unlink()  # the file lost: rebuilt from the issued content
    doc = web.get(f"/api/spotchecks/circulars/{r.json()['id']}.docx", headers=tokens["auditor"])
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert doc.status_code == 200 and issued in text and "应急管理局" not in text


def test_an_explanation_counts_its_quarters_failures_is_due_and_is_reminded_when_overdue(web, tokens, session,
                                                                                          plan, directory):
    from datetime import datetime

    from dutydesk.composition import ALERT_SOURCES
    from services import alerts
    from services.spotchecks import circulars
    from tests.spotchecks.conftest import SETTINGS

    town = directory["town"]
    head = directory["people"]["t1"]
    head.is_unit_head = True
    session.add(head)
    for at, outcome in [(datetime(2026, 8, 3, 14, tzinfo=TZ), "no_answer"), (datetime(2026, 9, 9, 23, tzinfo=TZ),
                        "officer_absent"), (NOW - timedelta(days=3), "no_answer")]:  # the last is in Q4
        session.add(PhoneCheck(unit_id=town.id, mode="manual", started_at=at, outcome=outcome, recorded_by="duty"))
    session.commit()
    req = circulars.request_explanation(session=session, unit_id=town.id, year=2026, quarter=3, circular=None,
                                        actor="duty", now=NOW, settings=SETTINGS)
    session.commit()
    assert req.failures == 2 and req.due_at == NOW + timedelta(days=SETTINGS.spotchecks.explanation_days)

    def codes(now, scope=None):
        return {a.code: a.count for a in alerts.collect(session=session, now=now, settings=SETTINGS,
                                                        sources=ALERT_SOURCES, scope=scope)}

    before_due = req.due_at - timedelta(minutes=1)
    assert circulars.remind_overdue(session=session, now=before_due, settings=SETTINGS) == 0
    assert "spotcheck_explanation_overdue" not in codes(before_due)
    late = req.due_at + timedelta(hours=1)
    assert circulars.remind_overdue(session=session, now=late, settings=SETTINGS) == 1
    assert circulars.remind_overdue(session=session, now=late, settings=SETTINGS) == 0  # reminded once
    session.commit()
    assert session.get(type(req), req.id).reminded_at == late
    assert codes(late)["spotcheck_explanation_overdue"] == 1
    assert codes(late, town.id)["spotcheck_explanation_overdue"] == 1
    assert "spotcheck_explanation_overdue" not in codes(late, directory["dept"].id)
    web.app.state.clock = lambda: late
    page = web.get("/spotchecks/explanations", headers=tokens["unit_reporter"])
    assert "已逾期" in page.text and "已催报" in page.text and req.due_at.astimezone(TZ).strftime("%Y-%m-%d") in page.text
    assert "Overdue" in web.get("/spotchecks/explanations?lang=en", headers=tokens["unit_reporter"]).text
    web.post(f"/api/spotchecks/explanations/{req.id}/answer", json={"answer": "值班员临时离岗，已整改"},
             headers=tokens["unit_reporter"])
    assert "spotcheck_explanation_overdue" not in codes(late)
