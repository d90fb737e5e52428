"""A unit reporter of the town tries every incident write on the department's incident, through the API and
through the console's forms: each answers 403/404 and nothing changes in the database (DOMAIN: another
unit's record answers as if it did not exist). Their own unit's incident still works (the control)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import func, select

from models.incidents.instructions import InstructionItem
from models.incidents.records import Incident, PhoneLog, Report
from tests.conftest import PASSWORD
from tests.incidents.conftest import landslide


@pytest.fixture
def other(client, app, clock, county, tokens):
    """The department's incident with its 首报 and a leader's instruction forwarded to the department."""
    app.state.clock = clock
    office = tokens["duty_officer"]
    inc = client.post("/api/incidents", headers=office, json=landslide(county["dept"].id, clock.now)).json()
    rep = client.post(f"/api/incidents/{inc['id']}/reports", headers=office, json={"kind": "first"}).json()
    ins = client.post(f"/api/incidents/{inc['id']}/instructions", headers=tokens["leader"], json={
        "text": "全力搜救", "by_name": "县长赵国华", "items": [{"unit_id": str(county["dept"].id)}]}).json()
    return {"id": inc["id"], "report": rep["id"], "item": ins["items"][0]["id"]}


def state(session, incident_id: str) -> tuple:
    """What a user would see change: the incident's facts, its reports, its items, its phone log."""
    session.expire_all()
    iid = uuid.UUID(incident_id)
    inc = session.get(Incident, iid)
    reports = session.exec(select(func.count()).select_from(Report).where(Report.incident_id == iid)).one()
    items = sorted((i.status, i.feedback_text) for i in session.exec(select(InstructionItem)))
    calls = session.exec(select(func.count()).select_from(PhoneLog)).one()
    return inc.status, inc.place, inc.deaths, inc.grade, inc.acknowledged_at, reports, items, calls


def login(client, username: str) -> str:
    """A console session; returns its CSRF token."""
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def api_writes(o: dict, county) -> list[tuple[str, str, dict | None]]:
    iid = o["id"]
    return [
        ("PATCH", f"/api/incidents/{iid}", {"place": "别处", "deaths": 9}),
        ("POST", f"/api/incidents/{iid}/reports", {"kind": "followup", "content": "续报"}),
        ("POST", f"/api/incidents/{iid}/reports", {"kind": "final", "situation": "已处置", "handling": "完毕"}),
        ("POST", f"/api/incidents/{iid}/grade", {"grade": 1, "reason": "升级"}),
        ("POST", f"/api/incidents/{iid}/ack", {"via": "console"}),
        ("POST", f"/api/instruction-items/{o['item']}/feedback", {"text": "已办理"}),
        ("POST", f"/api/instruction-items/{o['item']}/accept", None),
        ("POST", "/api/phone-log", {"at": county["now"], "caller": "某人", "content": "来电", "incident_id": iid}),
    ]


def test_api_refuses_every_write_on_another_units_incident(client, tokens, county, clock, session, other):
    county = {**county, "now": clock.now.isoformat()}
    before = state(session, other["id"])
    for method, path, body in api_writes(other, county):
        r = client.request(method, path, headers=tokens["unit_reporter"], json=body)
        assert r.status_code in (403, 404), (path, body, r.status_code, r.text)
        assert state(session, other["id"]) == before, (path, body)


def console_writes(o: dict) -> list[tuple[str, dict]]:
    iid = o["id"]
    return [
        (f"/incidents/{iid}/reports", {"kind": "final", "channel": "written", "situation": "已处置",
                                       "handling": "完毕", "cause": "强降雨", "aftermath": "安置完毕"}),  # 终报
        (f"/incidents/{iid}/reports", {"kind": "followup", "channel": "written", "content": "续报"}),
        (f"/incidents/{iid}/grade", {"grade": "1", "reason": "升级"}),
        (f"/incidents/{iid}/ack", {}),
        (f"/incidents/{iid}/items/{o['item']}/feedback", {"text": "已办理"}),
        (f"/incidents/{iid}/items/{o['item']}/accept", {}),
        (f"/incidents/{iid}/instructions", {"text": "批示", "by_name": "某人"}),
    ]


def test_console_refuses_every_write_on_another_units_incident(client, users, county, session, other):
    csrf = login(client, "u_unit_reporter")
    before = state(session, other["id"])
    for path, form in console_writes(other):
        r = client.post(path, data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code in (403, 404), (path, r.status_code, r.headers.get("location"))
        assert state(session, other["id"]) == before, path
    inc = session.get(Incident, uuid.UUID(other["id"]))
    assert inc.status == "open" and inc.closed_at is None  # the 终报 did not close it


def test_console_final_report_closes_only_the_reporters_own_incident(client, tokens, users, county, clock, session,
                                                                     other):
    own = client.post("/api/incidents", headers=tokens["unit_reporter"],
                      json=landslide(county["town"].id, clock.now)).json()
    csrf = login(client, "u_unit_reporter")
    r = client.post(f"/incidents/{own['id']}/reports", follow_redirects=False, data={
        "kind": "first", "channel": "written", "csrf_token": csrf})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    r = client.post(f"/incidents/{own['id']}/reports", follow_redirects=False, data={
        "kind": "final", "channel": "written", "situation": "已处置", "injured": "4", "csrf_token": csrf})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    assert session.get(Incident, uuid.UUID(own["id"])).status == "closed"
    assert session.get(Incident, uuid.UUID(other["id"])).status == "open"


def test_intake_for_another_unit_is_refused_through_both(client, tokens, users, county, clock, session):
    def dept_incidents():
        session.expire_all()
        return session.exec(select(func.count()).select_from(Incident)).one()

    before = dept_incidents()
    r = client.post("/api/incidents", headers=tokens["unit_reporter"], json=landslide(county["dept"].id, clock.now))
    assert r.status_code == 403 and r.json()["detail"][0]["loc"][-1] == "unit_id"
    csrf = login(client, "u_unit_reporter")
    r = client.post("/incidents/new", data={"title": "冒名事件", "category": "accident", "unit_id": str(county["dept"].id),
                                            "received_at": "2026-07-15T02:10", "csrf_token": csrf})
    assert r.status_code == 403 and 'data-field="unit_id"' in r.text
    assert dept_incidents() == before


def test_reads_of_another_units_incident_answer_404_or_leave_it_out(client, users, county, clock, session, other):
    login(client, "u_unit_reporter")
    iid = other["id"]
    for path in (f"/incidents/{iid}", f"/incidents/{iid}/reports/{other['report']}/print",
                 f"/incidents/{iid}/reports/{other['report']}/docx"):
        assert client.get(path).status_code == 404, path
    assert iid not in client.get("/incidents").text
    tasks = client.get("/incidents/tasks").text
    assert other["item"] not in tasks and "县长赵国华" not in tasks
    clock.advance(hours=3)  # the department's deadlines are overdue now: a task for the office, not for the town
    dash = client.get("/").text
    for panel in ("incidents", "tasks"):
        shown = re.search(rf'<section class="card" id="{panel}"[^>]*>(.*?)</section>', dash, re.S).group(1)
        assert iid not in shown and "县长赵国华" not in shown, panel


def test_an_item_under_another_incidents_url_is_404_and_changes_nothing(client, tokens, users, county, clock,
                                                                        session, other):
    """Issue 13 (M12): /incidents/<A>/items/<item of B>/feedback saved B's feedback; now the same 404 as none."""
    office = tokens["duty_officer"]
    a = client.post("/api/incidents", headers=office, json=landslide(county["dept"].id, clock.now)).json()
    csrf = login(client, "u_duty_officer")
    before = state(session, other["id"])
    for action, form in (("feedback", {"text": "已办理"}), ("accept", {})):
        r = client.post(f"/incidents/{a['id']}/items/{other['item']}/{action}", data={**form, "csrf_token": csrf},
                        follow_redirects=False)
        assert r.status_code == 404, (action, r.status_code, r.headers.get("location"))
        assert state(session, other["id"]) == before, action
    r = client.post(f"/incidents/{other['id']}/items/{other['item']}/feedback",
                    data={"text": "已办理", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"]  # the control: under its own incident
