"""Excel round-trip and per-row errors (nothing written); the iCal feeds are tested in test_ical.py."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlmodel import select

from models.rosters.roster import RosterSlot
from tests.rosters.conftest import MONTH


def _people(session, unit):
    return sorted((s.day, s.post, s.person_id) for s in session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id)))


def test_excel_round_trip_keeps_every_slot(client, tokens, generated, session):
    unit = generated["unit"]
    before = _people(session, unit)
    r = client.get(f"/api/rosters/{unit.id}/{MONTH}/export.xlsx", headers=tokens["duty_officer"])
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[2]][:5] == ["日期", "星期", "带班领导", "值班员", "联系电话"]
    assert ws["B3"].value == "星期二" and "1390000" in ws["E3"].value  # 2026-12-01 is a Tuesday
    r = client.post(f"/api/rosters/{unit.id}/{MONTH}/import", headers=tokens["unit_reporter"],
                    files={"file": ("r.xlsx", r.content)})
    assert r.status_code == 200, r.text
    session.expire_all()
    assert _people(session, unit) == before


def test_malformed_excel_reports_rows_and_writes_nothing(client, tokens, generated, session):
    unit = generated["unit"]
    before = _people(session, unit)
    data = client.get(f"/api/rosters/{unit.id}/{MONTH}/export.xlsx", headers=tokens["admin"]).content
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    ws["A5"] = "2026-12-45"  # row 5: not a date
    ws["C6"] = "不存在的人"  # row 6: unknown person
    ws["D7"] = "领导1"  # row 7: a leader in the officers' column
    ws["B9"] = "星期日"  # row 9: Dec 7 is a Monday
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(f"/api/rosters/{unit.id}/{MONTH}/import", headers=tokens["admin"],
                    files={"file": ("r.xlsx", buf.getvalue())})
    assert r.status_code == 422
    where = {(d["loc"][1], d["loc"][2]) for d in r.json()["detail"]}
    assert {("row 5", "日期"), ("row 6", "带班领导"), ("row 7", "值班员"), ("row 9", "星期")} <= where
    session.expire_all()
    assert _people(session, unit) == before
    r = client.post(f"/api/rosters/{unit.id}/{MONTH}/import", headers=tokens["admin"],
                    files={"file": ("r.xlsx", b"not a spreadsheet")})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "file"
