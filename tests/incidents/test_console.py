"""The incident console on both databases: intake form, board with countdowns, incident page, dashboard panels."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident
from services.incidents import escalation
from tests.conftest import PASSWORD


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/")  # the shell's logout form carries the session's CSRF token
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _form(county, **kw):
    data = {"title": "高观镇山体滑坡", "category": "natural_disaster", "unit_id": str(county["town"].id),
            "received_at": "2026-07-15T02:10", "place": "青龙村3组", "deaths": "2", "injured": "待核实", "missing": "3",
            "grade": "2", "grade_override_reason": "失联人员较多"}
    data.update(kw)
    return data


def test_officer_logs_incident_from_form_and_sees_it_on_board(client, app, users, county, clock, session, settings):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county), "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    inc = session.exec(select(Incident)).one()
    assert inc.received_at == clock.now and inc.injured_unverified and inc.grade == 2  # 02:10 local = 接报
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    board = client.get("/incidents")
    assert "高观镇山体滑坡" in board.text and 'class="countdown" data-due="2026-07-14T18:40:00+00:00"' in board.text
    page = client.get(f"/incidents/{inc.id}")
    assert "带班领导周文静" in page.text and "副县长钱立新" in page.text  # who was notified, on the timeline
    dash = client.get("/")
    assert f'href="/incidents/{inc.id}"' in dash.text and "未确认" in dash.text
    # the countdown says what it counts to: 未确认 · 距下一时限 6:38, never "已确认 6:38" read as a clock time
    lead = '<span class="countdown-lead" data-late="{}">{}</span> <span class="countdown" data-due='
    assert "未确认 · " + lead.format("下一时限", "距下一时限") in dash.text
    assert lead.format("next deadline", "next deadline in") in client.get("/?lang=en").text


def test_bad_form_shows_the_field_and_saves_nothing(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county, deaths="-1"), "csrf_token": csrf})
    assert r.status_code == 422 and 'data-field="deaths"' in r.text
    r = client.post("/incidents/new", data={**_form(county, received_at="2026-07-15T01:00",
                                                    occurred_at="2026-07-15T02:00"), "csrf_token": csrf})
    assert r.status_code == 422 and 'data-field="received_at"' in r.text  # learned before it happened
    r = client.post("/incidents/new", data={**_form(county, occurred_at="2026-07-15T03:00"), "csrf_token": csrf})
    assert r.status_code == 422  # a time in the future (now is 02:10): said on 事发时间, not as 接报 before it
    assert re.search(r'<p class="error" data-field="occurred_at" id="e-occurred_at">事发时间在将来', r.text)
    assert 'data-field="received_at"' not in r.text
    assert session.exec(select(Incident)).all() == []


def test_leader_acknowledges_in_console_and_auditor_only_reads(client, app, users, county, clock, session, tokens):
    app.state.clock = clock
    users["leader"].person_id = county["leader"].id  # the leader's account is the duty leader, a step-1 target
    session.add(users["leader"])
    session.commit()
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json={
        "title": "高观镇山体滑坡", "category": "natural_disaster", "unit_id": str(county["town"].id),
        "received_at": clock.now.isoformat()})
    iid = r.json()["id"]
    _login(client, "u_auditor")
    page = client.get(f"/incidents/{iid}")
    assert page.status_code == 200 and "确认收到</button>" not in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post(f"/incidents/{iid}/ack", data={"csrf_token": csrf}, follow_redirects=False).status_code == 403
    assert client.post("/login", data={"username": "u_leader", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{iid}")
    assert "确认收到</button>" in page.text and "签收</button>" not in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    clock.advance(minutes=4)
    assert client.post(f"/incidents/{iid}/ack", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert session.get(Incident, __import__("uuid").UUID(iid)).acknowledged_at == clock.now
    page = client.get(f"/incidents/{iid}").text
    assert "用时4分0秒" in page and "确认收到</button>" not in page and 'id="acked-by-me"' in page


def test_incident_without_a_frozen_policy_still_opens(client, app, users, county, clock, session):
    """An incident whose row carries no escalation snapshot (imported from an older system, or written before
    policies existed) opens with a dash for its policy instead of a server error."""
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    assert client.post("/incidents/new", data={**_form(county), "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    inc = session.exec(select(Incident)).one()
    inc.escalation_policy = {}
    session.add(inc)
    session.commit()
    page = client.get(f"/incidents/{inc.id}")
    assert page.status_code == 200 and "高观镇山体滑坡" in page.text
    assert re.search(r"<td>—", page.text)
