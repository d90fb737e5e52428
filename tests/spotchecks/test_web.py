"""The spot-check API and console: permissions, 4xx with nothing changed, uploads, exports, circulars, statistics."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import func, select

from models.audit import AuditEntry
from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import ExplanationRequest, InspectionAttachment
from tests.spotchecks.conftest import NOW, town_check

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


def test_duty_officer_sees_call_now_and_records_from_the_console(web, tokens, session, plan, directory):
    pc = town_check(session, plan, directory)
    page = web.get("/spotchecks", headers=tokens["duty_officer"])
    assert "请立即致电 高观镇" in page.text and "0838-1234567" in page.text and "接听超过三声" in page.text
    dash = web.get("/", headers=tokens["duty_officer"])
    assert "值班抽查：请立即致电 高观镇（0838-1234567）" in dash.text
    english = web.get("/?lang=en", headers=tokens["duty_officer"])
    assert "Spot check: call 高观镇 now (0838-1234567)" in english.text and "请立即致电" not in english.text
    assert "请立即致电" not in web.get("/", headers=tokens["unit_reporter"]).text
    r = web.post("/spotchecks/results", headers=tokens["duty_officer"], follow_redirects=False,
                 data={"planned_check_id": str(pc.id), "outcome": "slow_answer", "rings": "5", "answered_by": "李四"})
    assert r.status_code == 303
    [check] = session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == pc.id)).all()
    assert (check.outcome, check.rings, check.recorded_by) == ("slow_answer", 5, "token:u_duty_officer")
    assert "请立即致电 高观镇" not in web.get("/spotchecks", headers=tokens["duty_officer"]).text


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
    assert r.status_code == 409 and "correction" in r.json()["detail"][0]["msg"]
    r = web.post(f"/api/spotchecks/results/{auto.id}/corrections", json={**body, "reason": "线路故障，复拨已接通"},
                 headers=tokens["duty_officer"])
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
    assert web.get("/statistics", headers=tokens["unit_reporter"]).status_code == 403
