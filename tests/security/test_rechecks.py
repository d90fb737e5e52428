"""Access re-checks from the trust issue, API and console: who acts for a person is answered only about people the
caller may see; auditors read and create no iCal feed (an unauthenticated URL serving a unit's roster and phones);
a unit reporter's dashboard names no other unit's people on leave. (A unit reporter's grade at intake is only a
proposal: tests/incidents/test_access_rules.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from models.directory import PersonCreate
from models.rosters.leave import LeaveCreate
from models.rosters.roster import RosterSlot
from services import accounts
from services.access import Actor
from services.directory import org
from services.rosters import leaves
from services.rosters import policy as pol
from services.rosters.generate import generate_month
from web.deps import SESSION_COOKIE

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, 3 December
TZ = "Asia/Shanghai"


def test_who_acts_is_answered_only_for_people_the_caller_may_see(client, tokens, directory):
    at = {"at": NOW.isoformat()}
    theirs, mine = directory["people"]["d1"], directory["people"]["t1"]
    r = client.get("/api/leaves/acting", headers=tokens["unit_reporter"], params={"person_id": str(theirs.id), **at})
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["query", "person_id"]
    r = client.get("/api/leaves/acting", headers=tokens["unit_reporter"], params={"person_id": str(mine.id), **at})
    assert r.status_code == 200 and r.json()["person_id"] == str(mine.id)
    r = client.get("/api/leaves/acting", headers=tokens["duty_officer"], params={"person_id": str(theirs.id), **at})
    assert r.status_code == 200


def test_an_auditor_creates_no_ical_feed(client, tokens, directory, users):
    for kind, ref in (("unit", directory["town"].id), ("person", directory["people"]["t1"].id)):
        r = client.post("/api/ical-feeds", headers=tokens["auditor"], json={"kind": kind, "ref_id": str(ref)})
        assert r.status_code == 403, r.text
    assert client.get("/api/ical-feeds", headers=tokens["auditor"]).json() == []
    r = client.post("/api/ical-feeds", headers=tokens["duty_officer"],
                    json={"kind": "unit", "ref_id": str(directory["town"].id)})
    assert r.status_code == 201  # the office may


def _dept_leader_on_leave(session, directory) -> str:
    """The department's rostered leader of 3 December files leave for that day; their name."""
    dept = directory["dept"]
    system = Actor.system("test")
    leaders = [org.create_person(session=session, actor="test", data=PersonCreate(
        name=f"应急局领导{i}", unit_id=dept.id, mobile=f"1390000030{i}", is_leading_cadre=True)) for i in range(3)]
    pol.ensure_default_posts(session=session, unit_id=dept.id, actor="test")
    pol.set_pool(session=session, unit_id=dept.id, post="leader", people=[p.id for p in leaders], by=system)
    pol.set_pool(session=session, unit_id=dept.id, post="officer", people=[directory["people"]["d1"].id], by=system)
    generate_month(session=session, unit_id=dept.id, month="2026-12", by=system, tz=TZ)
    slot = session.exec(select(RosterSlot).where(RosterSlot.unit_id == dept.id, RosterSlot.post == "leader",
                                                 RosterSlot.day == date(2026, 12, 3))).one()
    away = next(p for p in leaders if p.id == slot.person_id)
    acting = directory["people"]["d1"]  # an officer: a fellow leader named by the leave would cover the slot himself
    leaves.file_leave(session=session, today=date(2026, 12, 1), by=system, tz=TZ, data=LeaveCreate(
        person_id=away.id, start_day=date(2026, 12, 3), end_day=date(2026, 12, 3), destination="市里", reason="开会",
        contact="13900000000", arrangements="由副职负责", acting_person_id=acting.id))
    session.commit()
    return away.name


def _dashboard(client, session, user) -> str:
    token, _ = accounts.start_session(session=session, user=user, now=NOW, hours=1)
    session.commit()
    r = client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={token}", "Accept": "text/html"})
    assert r.status_code == 200
    return r.text


def test_a_unit_reporters_dashboard_names_no_other_units_people_on_leave(client, session, directory, users):
    client.app.state.clock = lambda: NOW
    name = _dept_leader_on_leave(session, directory)
    office = _dashboard(client, session, users["duty_officer"])
    assert name in office and 'data-code="roster_holder_on_leave"' in office  # the office is told
    town = _dashboard(client, session, users["unit_reporter"])
    assert name not in town and "应急管理局" not in town
    assert 'data-code="roster_holder_on_leave"' not in town
