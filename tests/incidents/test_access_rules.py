"""Who may do what with incidents, decided by the services: a unit reporter's grade is only a proposal, a
leader acknowledges only as themself, and each rule holds for any caller of the service (CLI, flows), not
only behind the web's route table."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from core.errors import Forbidden, NotFound
from models.accounts import Role
from models.audit import AuditEntry
from models.incidents.instructions import InstructionItem
from models.incidents.records import Deadline, Incident
from services.access import Actor
from services.incidents import acks, board, instructions, intake, reports
from services.incidents.schemas import GradeIn, IncidentIn, IncidentUpdate, InstructionIn, ItemIn, PhoneLogIn, ReportIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_access import login


@pytest.fixture
def api(client, app, clock, county):
    app.state.clock = clock
    return client


def test_a_unit_reporters_grade_is_a_proposal_and_the_suggestion_stays(api, tokens, users, county, clock, session):
    body = landslide(county["town"].id, clock.now, grade=1, grade_override_reason="我们认为特别重大")
    mine = api.post("/api/incidents", headers=tokens["unit_reporter"], json=body).json()
    office = api.post("/api/incidents", headers=tokens["duty_officer"], json=body).json()
    assert office["grade"] == 1
    assert mine["grade"] == mine["suggested_grade"] != 1
    inc = session.get(Incident, uuid.UUID(mine["id"]))
    assert inc.grade_override_reason == ""
    dues = {d.kind: d.due_at - inc.received_at for d in session.exec(select(Deadline).where(
        Deadline.incident_id == inc.id, Deadline.kind.in_(("phone", "written"))))}
    assert "phone" not in dues  # no grade I phone deadline: the suggested grade's deadlines
    note = session.exec(select(AuditEntry.note).where(AuditEntry.entity_id == mine["id"])).one()
    assert "所报Ⅰ级待值班室定级" in note  # the proposal is on record for the office
    csrf = login(api, "u_unit_reporter")
    form = api.get("/incidents/new").text
    assert 'name="grade"' not in form  # the form does not offer what the service would not take
    r = api.post("/incidents/new", follow_redirects=False, data={
        "title": "镇上事件", "category": "natural_disaster", "received_at": "2026-07-15T02:10", "deaths": "2",
        "grade": "1", "grade_override_reason": "x", "csrf_token": csrf})
    assert r.status_code == 303
    made = session.get(Incident, uuid.UUID(r.headers["location"].rsplit("/", 1)[1]))
    assert made.unit_id == county["town"].id and made.grade == made.suggested_grade != 1


def _link(session, user, person) -> None:
    user.person_id = person.id
    session.add(user)
    session.commit()


def test_a_leader_acknowledges_only_as_themself_the_office_for_anyone(api, tokens, users, county, clock, session):
    _link(session, users["leader"], county["leader"])
    first = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    iid = first.json()["id"]
    r = api.post(f"/api/incidents/{iid}/ack", headers=tokens["leader"], json={"person_id": str(county["head"].id)})
    assert r.status_code == 403 and r.json()["detail"][0]["loc"][-1] == "person_id"
    session.expire_all()
    assert session.get(Incident, uuid.UUID(iid)).acknowledged_at is None
    r = api.post(f"/api/incidents/{iid}/ack", headers=tokens["leader"], json={})
    assert r.status_code == 201 and r.json()["name"] == "带班领导周文静"
    other = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    r = api.post(f"/api/incidents/{other.json()['id']}/ack", headers=tokens["duty_officer"],
                 json={"person_id": str(county["head"].id), "via": "voice"})  # the county head phoned in
    assert r.status_code == 201 and r.json()["name"] == "县长赵国华"
    csrf = login(api, "u_leader")
    r = api.post(f"/incidents/{other.json()['id']}/ack", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303  # the console: the leader as their own person
    session.expire_all()
    assert session.get(Incident, uuid.UUID(other.json()["id"])).acknowledged_by == "县长赵国华"


@pytest.fixture
def cases(session, county, clock, settings):
    """The department's incident with a 首报 and an item, the town's with an item for the department."""
    dept = intake.open_incident(session=session, data=IncidentIn(**landslide(county["dept"].id, clock.now)), by=DUTY,
                                now=clock.now, settings=settings)
    town = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                                now=clock.now, settings=settings)
    reports.add_report(session=session, incident_id=dept.id, data=ReportIn(kind="first"), by=DUTY, now=clock.now,
                       settings=settings)
    items = {}
    for inc in (dept, town):
        data = InstructionIn(text="核实", by_name="县长", items=[ItemIn(unit_id=county["dept"].id)])
        ins = instructions.record(session=session, incident_id=inc.id, data=data, by=DUTY, now=clock.now,
                                  settings=settings)
        items[inc is town] = session.exec(select(InstructionItem.id).where(
            InstructionItem.instruction_id == ins.id)).one()
    return {"dept": dept.id, "town": town.id, "item": items[False], "item_on_town": items[True]}


def _calls(session, clock, settings, c):
    now, dept = clock.now, c["dept"]
    return {
        "detail": lambda by: board.detail(session, dept, now, by=by, settings=settings),
        "update": lambda by: intake.update_incident(session=session, incident_id=dept, data=IncidentUpdate(deaths=5),
                                                    by=by, now=now, settings=settings),
        "report": lambda by: reports.add_report(session=session, incident_id=dept, by=by, now=now, settings=settings,
                                                data=ReportIn(kind="final", situation="x")),
        "grade": lambda by: intake.set_grade(session=session, incident_id=dept, data=GradeIn(grade=1, reason="x"),
                                             by=by, now=now, settings=settings),
        "ack": lambda by: acks.acknowledge(session=session, incident_id=dept, by=by, via="console", now=now,
                                           tz=settings.timezone),
        "instruct": lambda by: instructions.record(session=session, incident_id=dept, by=by, now=now,
                                                   settings=settings, data=InstructionIn(text="x", by_name="y")),
        "feedback": lambda by: instructions.feedback(session=session, item_id=c["item"], text="x", by=by, now=now),
        "feedback_on_own_incident": lambda by: instructions.feedback(session=session, item_id=c["item_on_town"],
                                                                     text="x", by=by, now=now),
        "decide": lambda by: instructions.decide(session=session, item_id=c["item"], accept=False, by=by, now=now),
        "decide_on_own_incident": lambda by: instructions.decide(session=session, item_id=c["item_on_town"],
                                                                 accept=False, by=by, now=now),
        "phone_log": lambda by: intake.log_call(session=session, by=by, now=now, data=PhoneLogIn(
            at=now, caller="某人", content="来电", incident_id=dept)),
    }


TOWN_REPORTER = {"detail": NotFound, "update": NotFound, "report": NotFound, "grade": NotFound, "ack": NotFound,
                 "instruct": NotFound, "feedback": NotFound, "feedback_on_own_incident": Forbidden,
                 "decide": NotFound, "decide_on_own_incident": Forbidden, "phone_log": NotFound}
LEADER = {"update": Forbidden, "report": Forbidden, "grade": Forbidden, "feedback": Forbidden,
          "feedback_on_own_incident": Forbidden, "decide": Forbidden, "decide_on_own_incident": Forbidden,
          "phone_log": Forbidden}


@pytest.mark.parametrize("role,expected", [(Role.unit_reporter, TOWN_REPORTER), (Role.leader, LEADER)])
def test_the_services_decide_without_the_web(session, county, clock, settings, cases, role, expected):
    by = Actor("someone", role, county["town"].id if role is Role.unit_reporter else county["hub"].id)
    for name, call in _calls(session, clock, settings, cases).items():
        if name not in expected:
            continue
        with pytest.raises(expected[name]):
            with session.begin_nested():  # a refusal changes nothing, and the next case starts clean
                call(by)
    assert session.get(Incident, cases["dept"]).status == "open"
