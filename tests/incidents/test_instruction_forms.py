"""The instruction (批示) path as a leader and a town's reporter use it: an empty 反馈 or 批示 is refused at its field
with what was chosen kept; the lead unit (牵头) is chosen on its own; the rows name their unit; a 反馈 tells the
leader who gave the instruction."""

from __future__ import annotations

import re
import uuid

from sqlmodel import select

from models.incidents.escalation import Notice
from models.incidents.instructions import Instruction, InstructionItem
from tests.incidents.conftest import landslide
from tests.incidents.test_access import login


def _incident(client, tokens, county, clock, app, **instruction):
    app.state.clock = clock
    inc = client.post("/api/incidents", headers=tokens["duty_officer"],
                      json=landslide(county["town"].id, clock.now)).json()
    body = {"text": "全力搜救", "by_name": "县长赵国华", **instruction}
    r = client.post(f"/api/incidents/{inc['id']}/instructions", headers=tokens["leader"], json=body)
    assert r.status_code == 201, r.text
    return inc["id"], r.json()["items"]


def _status(session, item_id):
    session.expire_all()
    return session.get(InstructionItem, uuid.UUID(item_id)).status


def test_an_empty_feedback_is_refused_at_its_field_and_the_row_still_waits(client, app, tokens, users, county,
                                                                           clock, session):
    iid, items = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id))
    item = items[0]["id"]
    csrf = login(client, "u_unit_reporter")
    r = client.post(f"/incidents/{iid}/items/{item}/feedback", data={"text": "  ", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 422
    assert f'data-field="fb-{item}"' in r.text and "反馈内容不能为空" in r.text
    assert f'action="/incidents/{iid}/items/{item}/feedback#item-{item}"' in r.text  # the form is shown again
    assert _status(session, item) == "forwarded"
    r = client.post(f"/api/instruction-items/{item}/feedback", headers=tokens["unit_reporter"], json={"text": ""})
    assert r.status_code == 422 and "text" in r.text
    assert _status(session, item) == "forwarded"
    r = client.post(f"/incidents/{iid}/items/{item}/feedback", data={"text": "已转移群众", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and _status(session, item) == "feedback_received"


def test_an_empty_instruction_keeps_the_units_and_urgency_chosen(client, app, tokens, users, county, clock,
                                                                 session):
    iid, _ = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id))
    csrf = login(client, "u_leader")
    town, dept = str(county["town"].id), str(county["dept"].id)
    r = client.post(f"/incidents/{iid}/instructions", data={
        "csrf_token": csrf, "by_name": "县长赵国华", "text": "", "lead_unit_id": dept,
        "assist_unit_ids": [town], "urgency": "urgent"}, follow_redirects=False)
    assert r.status_code == 422
    assert 'data-field="text"' in r.text and "text:" not in r.text
    form = r.text[r.text.index('id="instruction-form"'):]
    assert re.search(rf'<select name="lead_unit_id"[^>]*>.*?<option value="{dept}"[^>]*selected', form, re.S)
    assert re.search(rf'<select name="assist_unit_ids"[^>]*>.*?<option value="{town}"[^>]*selected', form, re.S)
    assert re.search(r'<option value="urgent" selected', form)


def test_the_lead_unit_is_chosen_apart_from_the_supporting_ones(client, app, tokens, users, county, clock,
                                                                session):
    iid, _ = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id))
    csrf = login(client, "u_leader")
    town, dept = county["town"].id, county["dept"].id  # the town is higher in the list; the department leads
    r = client.post(f"/incidents/{iid}/instructions", data={
        "csrf_token": csrf, "by_name": "县长赵国华", "text": "尽快排查隐患", "lead_unit_id": str(dept),
        "assist_unit_ids": [str(town)]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    rows = session.exec(select(InstructionItem).join(Instruction, Instruction.id == InstructionItem.instruction_id)
                        .where(Instruction.text == "尽快排查隐患")).all()
    assert {row.unit_id: row.lead for row in rows} == {dept: True, town: False}
    page = client.get(f"/incidents/{iid}").text
    assert "应急管理局</span>（牵头）" in page and "高观镇</span>（配合）" in page
    # the lead among the supporting ones: refused at the field, nothing written
    before = len(session.exec(select(InstructionItem)).all())
    r = client.post(f"/incidents/{iid}/instructions", data={
        "csrf_token": csrf, "by_name": "县长赵国华", "text": "再次部署", "lead_unit_id": str(dept),
        "assist_unit_ids": [str(dept)]}, follow_redirects=False)
    assert r.status_code == 422 and 'data-field="assist_unit_ids"' in r.text
    session.expire_all()
    assert len(session.exec(select(InstructionItem)).all()) == before


def test_the_api_takes_the_lead_apart_and_still_the_old_items_list(client, app, tokens, users, county, clock,
                                                                   session):
    iid, items = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["dept"].id),
                           assist_unit_ids=[str(county["town"].id)], urgency="urgent")
    got = {i["unit_id"]: i["id"] for i in items}
    assert session.get(InstructionItem, uuid.UUID(got[str(county["dept"].id)])).lead is True
    assert session.get(InstructionItem, uuid.UUID(got[str(county["town"].id)])).lead is False
    r = client.post(f"/api/incidents/{iid}/instructions", headers=tokens["leader"], json={
        "text": "续办", "by_name": "县长赵国华", "items": [{"unit_id": str(county["town"].id)},
                                                        {"unit_id": str(county["dept"].id), "lead": False}]})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/incidents/{iid}/instructions", headers=tokens["leader"], json={
        "text": "续办", "by_name": "县长赵国华", "lead_unit_id": str(county["dept"].id),
        "assist_unit_ids": [str(county["dept"].id)]})
    assert r.status_code == 422 and "assist_unit_ids" in r.text


def test_a_feedback_tells_the_leader_who_gave_the_instruction(client, app, tokens, users, county, clock, session):
    head = county["head"]
    iid, items = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id),
                           by_person_id=str(head.id))
    r = client.post(f"/api/instruction-items/{items[0]['id']}/feedback", headers=tokens["unit_reporter"],
                    json={"text": "已转移群众12户"})
    assert r.status_code == 200, r.text
    told = session.exec(select(Notice).where(Notice.person_id == head.id, Notice.purpose == "instruction")).all()
    assert any("已转移群众12户" in n.body and "高观镇" in n.body for n in told), [n.body for n in told]


def test_a_feedback_reaches_the_open_incident_and_tasks_pages_live(client, app, tokens, users, county, clock,
                                                                   session):
    """The leader's pages open since the 批示: the unit's 反馈 is an `incidents` change, and the pages' live refetch
    carries it (the rows on the incident page, the tasks table), never the form being filled in."""
    from services import changes
    from web.live import Hub

    hub = app.state.live_hub = Hub(session_factory=None)
    iid, items = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id))
    login(client, "u_leader")
    assert "待反馈" in client.get("/incidents/tasks").text
    mark = changes.start(session)
    r = client.post(f"/api/instruction-items/{items[0]['id']}/feedback", headers=tokens["unit_reporter"],
                    json={"text": "已转移群众12户"})
    assert r.status_code == 200
    session.expire_all()
    assert "incidents" in changes.poll(session, mark)
    hub.publish({"incidents"})
    live = client.get(f"/incidents/{iid}", headers={"X-Live": hub.version}).text
    rows = live[live.index('id="instruction-list"'):]
    assert "已转移群众12户" in rows[:rows.index("</table>")] and 'id="instruction-form"' not in live
    tasks = client.get("/incidents/tasks", headers={"X-Live": hub.version}).text
    assert "<nav" not in tasks and "待办结" in tasks[tasks.index('id="items"'):]


def test_an_anchored_target_lands_below_the_sticky_header(client):
    """需要我处理 opens /incidents/…#ack-state: the target keeps clear of the sticky header (about 3.6rem on a phone)."""
    css = client.get("/static/app.css").text
    rule = re.search(r":target, \[id\] \{ scroll-margin-top: ([\d.]+)rem; \}", css)
    assert rule and float(rule.group(1)) >= 4


def test_the_reason_at_the_field_speaks_the_pages_language(client, app, tokens, users, county, clock, session):
    iid, items = _incident(client, tokens, county, clock, app, lead_unit_id=str(county["town"].id))
    csrf = login(client, "u_unit_reporter")
    url = f"/incidents/{iid}/items/{items[0]['id']}/feedback"
    zh = client.post(url, data={"text": "", "csrf_token": csrf}).text
    assert "反馈内容不能为空</p>" in zh and "the feedback is empty" not in zh
    en = client.post(url + "?lang=en", data={"text": "", "csrf_token": csrf}).text
    assert "the feedback is empty</p>" in en and "反馈内容不能为空" not in en
