"""Someone else acknowledged first: the acknowledgement link's page and the incident page say who and when, and
offer no pointless button, unless this person's acknowledgement still counts (a step where all must acknowledge);
the API lists everyone who acknowledged, not only the last. Both databases, the controllable clock."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.escalation import Notice
from services.incidents import policies
from services.incidents.reports import add_report
from services.incidents.schemas import ReportIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY
from tests.incidents.test_acknowledgements import _ack, _all_must_ack, _as, _open
from tests.incidents.test_escalation_scenario import run

BUTTON = "确认收到</button>"


def _link(session, name: str) -> str:
    n = session.exec(select(Notice).where(Notice.purpose == "escalation", Notice.recipient == name)).first()
    return re.search(r"(/ack/\S+)$", n.body).group(1)


def _any_step(session) -> None:
    """Step 1: the duty leader and the vice head; either one's acknowledgement stops it."""
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="any-ack", position=1, steps=[
            policies.StepIn(targets=[{"kind": "duty_leader_now"}, {"kind": "category_leader"}], channels=["wecom"],
                            wait_minutes=10)]))
    session.commit()


def test_the_link_says_who_acknowledged_first_and_offers_no_button(client, app, session, county, clock, recorder,
                                                                    settings):
    app.state.clock = clock
    _any_step(session)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=2)  # 02:12 in the office's zone
    assert _ack(session, inc, _as(county["leader"]), clock, settings).stopped
    session.commit()
    link = _link(session, "副县长钱立新")
    page = client.get(link).text
    assert "带班领导周文静已于7月15日 02:12确认收到，无需您再确认。" in page and BUTTON not in page
    english = client.get(link + "?lang=en").text
    assert "带班领导周文静 acknowledged at 15 Jul 02:12: your acknowledgement is not needed any more." in english
    assert "<button" not in english


def test_an_all_must_ack_step_still_asks_the_others(client, app, session, county, clock, recorder, settings):
    app.state.clock = clock
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=2)
    assert not _ack(session, inc, _as(county["leader"]), clock, settings).stopped
    session.commit()
    page = client.get(_link(session, "副县长钱立新")).text
    assert "带班领导周文静已于7月15日 02:12确认收到；本步须每位通知对象都确认，请您也确认收到。" in page
    assert "待确认：副县长钱立新" in page and BUTTON in page


def test_a_closed_incident_link_asks_nothing(client, app, session, county, clock, recorder, settings):
    app.state.clock = clock
    _any_step(session)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.new()
    for kind in ("first", "final"):
        clock.advance(minutes=5)
        add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                   data=ReportIn(kind=kind, channel="phone", content="电话报告", confirm_unverified=True))
    session.commit()
    page = client.get(_link(session, "副县长钱立新")).text
    assert "终报办结，无需确认收到" in page and BUTTON not in page


def test_the_incident_page_says_another_leader_acknowledged(client, app, session, users, county, clock, recorder,
                                                           settings):
    app.state.clock = clock
    _any_step(session)
    users["leader"].person_id = county["vice"].id  # the leader's account is the vice head, a step-1 target
    session.add(users["leader"])
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    session.commit()
    assert client.post("/login", data={"username": "u_leader", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{inc.id}").text
    said = page.split('id="acked-by-others">', 1)[1].split("</p>", 1)[0]
    assert re.sub(r"<[^>]+>", "", said) == "带班领导周文静已于02:12确认收到，无需您再确认。"
    assert '<span lang="zh-CN">带班领导周文静</span>' in said  # the name is data: English pages keep it as written
    assert 'id="ack-form"' not in page


def test_the_api_lists_everyone_who_acknowledged(client, app, session, county, clock, recorder, settings, tokens):
    app.state.clock = clock
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    clock.advance(minutes=3)
    _ack(session, inc, _as(county["vice"]), clock, settings)
    session.commit()
    (row,) = client.get("/api/incidents", headers=tokens["auditor"]).json()
    assert row["acknowledged_by"] == "副县长钱立新"  # the existing field: as it was
    assert [(a["name"], a["via"], a["stopped"]) for a in row["acknowledgements"]] == [
        ("带班领导周文静", "console", False), ("副县长钱立新", "console", True)]
    assert row["acknowledgements"][0]["at"].startswith("2026-07-14T18:12:00")
    patched = client.patch(f"/api/incidents/{inc.id}", headers=tokens["duty_officer"], json={"place": "青龙村4组"})
    assert patched.status_code == 200, patched.text
    assert [a["name"] for a in patched.json()["acknowledgements"]] == ["带班领导周文静", "副县长钱立新"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["IncidentOut"]["properties"]
    assert schema["acknowledgements"]["items"] == {"$ref": "#/components/schemas/AckOut"}
