"""Swaps (换班): counterpart confirms, approver approves, eligibility, holiday lead time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from models.rosters.roster import RosterSlot
from services.access import Actor
from tests.rosters.conftest import NOW


def _slot(session, unit, day, post="officer"):
    return session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.post == post,
                                                 RosterSlot.day == day)).first()


def test_swap_needs_confirmation_then_approval_and_changes_the_roster(client, tokens, generated, person_token, session):
    client.app.state.clock = lambda: NOW
    unit = generated["unit"]
    slot = _slot(session, unit, date(2026, 12, 8))
    mine = next(p for p in generated["officers"] if p.id == slot.person_id)
    # someone not on duty on Dec 7-9 (rest) is eligible
    busy = {s.person_id for s in session.exec(select(RosterSlot).where(
        RosterSlot.unit_id == unit.id, RosterSlot.day.in_([date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)])))}
    them = next(p for p in generated["officers"] if p.id not in busy)
    r = client.post("/api/swaps", headers=person_token(mine), json={
        "slot_id": slot.id, "counterpart_id": str(them.id), "reason": "家中有事"})
    assert r.status_code == 201, r.text
    swap = r.json()
    assert client.post(f"/api/swaps/{swap['id']}/decide", headers=tokens["duty_officer"],
                       json={"approve": True}).status_code == 409  # not confirmed yet
    assert client.post(f"/api/swaps/{swap['id']}/confirm", headers=person_token(generated["leaders"][0])).status_code == 403
    r = client.post(f"/api/swaps/{swap['id']}/confirm", headers=person_token(them))
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = client.post(f"/api/swaps/{swap['id']}/decide", headers=tokens["unit_reporter"], json={"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    session.expire_all()
    assert session.get(RosterSlot, slot.id).person_id == them.id
    assert session.get(RosterSlot, slot.id).why["r"] == "swap"


def test_ineligible_counterpart_is_refused_naming_the_field(client, generated, person_token, session, directory):
    client.app.state.clock = lambda: NOW
    unit = generated["unit"]
    slot = _slot(session, unit, date(2026, 12, 8))
    mine = next(p for p in generated["officers"] if p.id == slot.person_id)
    leader = generated["leaders"][0]  # not in the officers' pool
    r = client.post("/api/swaps", headers=person_token(mine), json={"slot_id": slot.id, "counterpart_id": str(leader.id)})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "counterpart_id"]
    assert "可排人员" in r.json()["detail"][0]["msg"]  # zh-CN unless English is asked
    other_slot = next(s for s in session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id))
                      if s.person_id != mine.id)
    free = next(p for p in generated["officers"] if p.id != mine.id)
    r = client.post("/api/swaps", headers=person_token(mine), json={"slot_id": other_slot.id, "counterpart_id": str(free.id)})
    assert r.status_code == 403


def test_holiday_swap_must_be_registered_two_days_ahead(client, generated, person_token, session):
    from models.directory import PersonCreate
    from services.directory import org
    from services.rosters import policy as pol
    from services.rosters.generate import generate_month

    unit = generated["unit"]
    extra = [org.create_person(session=session, actor="test", data=PersonCreate(name=f"备班{i}", unit_id=unit.id))
             for i in range(4)]
    officers = generated["officers"] + extra
    pol.set_pool(session=session, unit_id=unit.id, post="officer", people=[p.id for p in officers], by=Actor.system("test"))
    generate_month(session=session, unit_id=unit.id, month="2026-01", by=Actor.system("test"), tz="Asia/Shanghai")  # 2026-01-01 is 元旦
    session.commit()
    hol = _slot(session, unit, date(2026, 1, 1))
    mine = next(p for p in officers if p.id == hol.person_id)
    busy = {s.person_id for s in session.exec(select(RosterSlot).where(
        RosterSlot.unit_id == unit.id, RosterSlot.day.in_([date(2026, 1, 1), date(2026, 1, 2)])))}
    them = next(p for p in officers if p.id not in busy)
    body = {"slot_id": hol.id, "counterpart_id": str(them.id)}
    client.app.state.clock = lambda: datetime(2025, 12, 31, 2, 0, tzinfo=UTC)  # Dec 31 local: 1 day ahead
    r = client.post("/api/swaps", headers=person_token(mine), json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "slot_id"]
    assert "2 days" in r.json()["detail"][0]["msg"]
    client.app.state.clock = lambda: datetime(2025, 12, 30, 2, 0, tzinfo=UTC)  # Dec 30 local: 2 days ahead
    assert client.post("/api/swaps", headers=person_token(mine), json=body).status_code == 201


def test_console_swap_picks_the_slot_by_date_and_post(client, generated, person_token, session):
    """A person offers a slot chosen from their own upcoming duties (date, weekday, post), not a typed number."""
    import re

    client.app.state.clock = lambda: NOW
    unit = generated["unit"]
    slot = _slot(session, unit, date(2026, 12, 8))
    mine = next(p for p in generated["officers"] if p.id == slot.person_id)
    busy = {s.person_id for s in session.exec(select(RosterSlot).where(
        RosterSlot.unit_id == unit.id, RosterSlot.day.in_([date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)])))}
    them = next(p for p in generated["officers"] if p.id not in busy)
    person_token(mine)  # creates the account p_<id> with this password
    r = client.post("/login", data={"username": f"p_{str(mine.id)[:8]}", "password": "correct-horse-battery"},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    page = client.get("/swaps", headers={"accept": "text/html"}).text
    select_html = page.split('id="swap-slot"')[1].split("</select>")[0]
    options = dict((label, value) for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>',
                                                                   select_html))
    assert options and all(label.endswith(mine.name) for label in options)  # only my own duties
    label = next(k for k in options if k.startswith("2026-12-08 星期二 值班员"))
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/swaps", data={"csrf_token": csrf, "slot_id": options[label], "counterpart_id": str(them.id),
                                    "reason": "家中有事"}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    listing = client.get("/swaps", headers={"accept": "text/html"}).text.split('id="swap-list"')[1]
    assert "2026-12-08" in listing and them.name in listing and "待对方确认" in listing
