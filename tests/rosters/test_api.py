"""Roster API: roles and scoping, generate/publish over HTTP, leave filing, holidays table."""

from __future__ import annotations

from datetime import date

from tests.rosters.conftest import MONTH, NOW


def _pin(client):
    client.app.state.clock = lambda: NOW


def test_unit_reporter_manages_only_its_own_unit(client, tokens, roster_unit, directory):
    _pin(client)
    town, dept = roster_unit["unit"], directory["dept"]
    r = client.post(f"/api/rosters/{town.id}/{MONTH}/generate", headers=tokens["unit_reporter"])
    assert r.status_code == 200, r.text
    assert r.json()["slots"] == 62
    r = client.post(f"/api/rosters/{dept.id}/{MONTH}/generate", headers=tokens["unit_reporter"])
    assert r.status_code == 403 and r.json()["detail"][0]["loc"] == ["path", "unit_id"]  # the unit is named in the path
    assert client.get(f"/api/rosters/{dept.id}/{MONTH}", headers=tokens["unit_reporter"]).status_code == 403
    assert client.post(f"/api/rosters/{town.id}/{MONTH}/publish", headers=tokens["auditor"]).status_code == 403
    assert client.get(f"/api/rosters/{town.id}/{MONTH}", headers=tokens["auditor"]).status_code == 200
    r = client.post(f"/api/rosters/{town.id}/{MONTH}/publish", headers=tokens["unit_reporter"])
    assert r.status_code == 200 and r.json()["version"] == 1
    on_duty = client.get("/api/rosters/on-duty", headers=tokens["unit_reporter"]).json()
    assert {u["code"] for u in on_duty} <= {"t1"}


def test_month_view_explains_and_counts(client, tokens, generated):
    unit = generated["unit"]
    view = client.get(f"/api/rosters/{unit.id}/{MONTH}", headers=tokens["duty_officer"]).json()
    assert view["status"] == "draft" and len(view["days"]) == 31
    first = view["days"][0]["posts"]["leader"][0]
    assert first["why"] and first["name"].startswith("领导")
    totals = sorted(c["total"] for c in view["fairness"] if c["name"].startswith("值班员"))
    assert totals[-1] - totals[0] <= 1


def test_bad_month_and_pool_errors_name_the_field(client, tokens, roster_unit, directory):
    town = roster_unit["unit"]
    r = client.post(f"/api/rosters/{town.id}/2026-13/generate", headers=tokens["admin"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "month"]
    stranger = directory["people"]["d1"]
    r = client.put(f"/api/rosters/{town.id}/posts/leader/pool", headers=tokens["admin"],
                   json={"people": [str(stranger.id)]})
    assert r.status_code == 422 and "不属于本单位" in r.json()["detail"][0]["msg"]


def test_leader_files_only_own_leave_and_sees_uncovered_duty(client, tokens, generated, person_token, session):
    _pin(client)
    from sqlmodel import select

    from models.rosters.roster import RosterSlot

    unit = generated["unit"]
    slot = session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.post == "leader",
                                                 RosterSlot.day == date(2026, 12, 10))).one()
    leader = next(p for p in generated["leaders"] if p.id == slot.person_id)
    # the acting person is an officer: a fellow leader named by the leave would cover the duty himself
    other = generated["officers"][0]
    body = {"person_id": str(leader.id), "start_day": "2026-12-10", "start_half": "am", "end_day": "2026-12-10",
            "end_half": "pm", "destination": "成都", "reason": "培训", "contact": "13900000000",
            "arrangements": "工作由副职负责", "acting_person_id": str(other.id)}
    assert client.post("/api/leaves", headers=person_token(other), json=body).status_code == 403
    r = client.post("/api/leaves", headers=person_token(leader), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["uncovered_duties"][0]["day"] == "2026-12-10"
    bad = dict(body, destination="", start_day="2026-11-20")
    r = client.post("/api/leaves", headers=tokens["admin"], json=bad)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] in ("destination", "start_day")
    r = client.get("/api/leaves/acting", headers=tokens["duty_officer"],
                   params={"person_id": str(leader.id), "at": "2026-12-10T10:00:00+08:00"})
    assert r.json()["person_id"] == str(other.id)


def test_holiday_table_import_all_or_nothing(client, tokens, session):
    bad = "date,kind,name\n2027-02-06,holiday,春节\n2027-02-30,holiday,春节\n2027-02-08,上班,\n"
    r = client.post("/api/holidays/import", headers=tokens["admin"], files={"file": ("h.csv", bad.encode())})
    assert r.status_code == 422
    rows = {tuple(d["loc"][1:]) for d in r.json()["detail"]}
    assert ("row 3", "date") in rows and ("row 4", "kind") in rows
    assert client.get("/api/holidays", headers=tokens["admin"]).json() == []
    good = "2027-02-06,假,春节\n2027-02-07,假,春节\n2027-02-14,班,\n"
    r = client.post("/api/holidays/import", headers=tokens["admin"], files={"file": ("h.csv", good.encode())})
    assert r.status_code == 200 and r.json()["imported"] == 3
    from services.rosters.calendar import load_calendar

    cal = load_calendar(session=session)
    assert cal.is_holiday(date(2027, 2, 6)) and cal.is_workday(date(2027, 2, 14))
    assert not cal.covers(2027) and "Spring Festival" not in cal.missing_festivals(2027)  # six festivals to come
    assert client.post("/api/holidays/import", headers=tokens["duty_officer"],
                       files={"file": ("h.csv", good.encode())}).status_code == 403
