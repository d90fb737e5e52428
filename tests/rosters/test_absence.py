"""Absences (不可值班) of rostered people who are not leading cadres: console form, roster gap, formal rules kept."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from models.directory import PersonCreate
from models.rosters.roster import RosterGap, RosterSlot
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from services.rosters.generate import generate_month
from tests.conftest import PASSWORD
from tests.rosters.conftest import MONTH


def _deputy_on_duty(session, roster_unit):
    """A deputy (not 县管正职) joins the leader pool; December generated; his first leader slot."""
    unit = roster_unit["unit"]
    deputy = org.create_person(session=session, actor="test", data=PersonCreate(
        name="副镇长甲", unit_id=unit.id, mobile="13900000301", is_leading_cadre=False))
    pool = [deputy.id] + [p.id for p in roster_unit["leaders"]]
    pol.set_pool(session=session, unit_id=unit.id, post="leader", people=pool, by=Actor.system("test"))
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    session.commit()
    slot = session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.person_id == deputy.id)
                        .order_by(RosterSlot.day)).first()
    return deputy, slot


def test_duty_office_marks_a_rostered_deputy_away_on_the_day(client, users, session, roster_unit):
    deputy, slot = _deputy_on_duty(session, roster_unit)
    client.app.state.clock = lambda: datetime.combine(slot.day, datetime.min.time(), UTC)  # 08:00 local, same day
    r = client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303)
    page = client.get("/leaves", headers={"accept": "text/html"}).text
    form = page.split('id="leave-form"')[1]
    assert f'value="{deputy.id}"' in form, "the deputy must be selectable"
    cadre = roster_unit["leaders"][0]
    assert form.index(f'value="{cadre.id}"') < form.index(f'value="{deputy.id}"'), "leading cadres first"
    assert "★ 领导0" in form and "★ 副镇长甲" not in form
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    day = slot.day.isoformat()
    r = client.post("/leaves", data={"csrf_token": csrf, "person_id": str(deputy.id), "start_day": day,
                                     "start_half": "am", "end_day": day, "end_half": "pm", "reason": "生病"},
                    follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    gap = session.exec(select(RosterGap).where(RosterGap.person_id == deputy.id)).one()
    assert gap.day == slot.day and gap.post == "leader" and gap.reason == "holder_unavailable"
    listing = client.get("/leaves", headers={"accept": "text/html"}).text.split('id="leave-list"')[1]
    assert "副镇长甲</td><td>不可值班" in listing


def test_leading_cadre_still_files_the_formal_report(client, tokens, session, roster_unit):
    deputy, slot = _deputy_on_duty(session, roster_unit)
    client.app.state.clock = lambda: datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    cadre = roster_unit["leaders"][0]
    bare = {"person_id": str(cadre.id), "start_day": "2026-12-10", "start_half": "am", "end_day": "2026-12-10",
            "end_half": "pm", "reason": "开会"}
    r = client.post("/api/leaves", headers=tokens["duty_officer"], json=bare)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "destination", r.text
    today = dict(bare, start_day="2026-11-20", end_day="2026-11-20", destination="市里", contact="139",
                 arrangements="副职负责", acting_person_id=str(roster_unit["leaders"][1].id))
    r = client.post("/api/leaves", headers=tokens["duty_officer"], json=today)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "start_day", "lead time binds cadres"
    backwards = {"person_id": str(deputy.id), "start_day": "2026-12-10", "start_half": "pm",
                 "end_day": "2026-12-10", "end_half": "am"}
    r = client.post("/api/leaves", headers=tokens["duty_officer"], json=backwards)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "end_day", r.text
    assert client.post("/api/leaves", headers=tokens["duty_officer"],
                       json=dict(backwards, end_half="pm")).status_code == 201
