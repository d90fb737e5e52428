"""A page opened before the step was settled (someone else acknowledged, or a 终报 closed the incident) and clicked
afterwards records nothing: no acknowledgement row, the link stays unused, the escalation is untouched; the answer
says who acknowledged and when (X已于…确认收到，无需您再确认). The incident page, the inbox's link and the no-login
link alike; the API answers 409 naming the field. Acknowledging twice stays idempotent. Both databases."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from core.errors import Conflict
from models.incidents.escalation import Acknowledgement, AckToken
from services.incidents.reports import add_report
from services.incidents.schemas import ReportIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY
from tests.incidents.test_ack_by_others import BUTTON, _any_step, _link
from tests.incidents.test_acknowledgements import _ack, _as, _open
from tests.incidents.test_escalation_scenario import run


def _acks(session, inc) -> list[str]:
    session.expire_all()
    return [a.name for a in session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == inc.id,
                                                                       Acknowledgement.kind == "ack"))]


def _settled_by_the_duty_leader(session, county, clock, settings):
    _any_step(session)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    clock.advance(minutes=2)  # 02:12 in the office's zone
    assert _ack(session, inc, _as(county["leader"]), clock, settings).stopped
    session.commit()
    return inc


def test_a_stale_link_page_records_nothing_and_says_who(client, app, session, county, clock, recorder, settings):
    app.state.clock = clock
    _any_step(session)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    link = _link(session, "副县长钱立新")
    assert BUTTON in client.get(link).text  # opened before anyone acknowledged: the button
    clock.advance(minutes=2)
    assert _ack(session, inc, _as(county["leader"]), clock, settings).stopped
    session.commit()
    clock.advance(minutes=1)
    answer = client.post(link)  # the page left open, pressed after the duty leader acknowledged
    assert answer.status_code == 409
    assert "带班领导周文静已于7月15日 02:12确认收到，无需您再确认。" in answer.text and BUTTON not in answer.text
    assert _acks(session, inc) == ["带班领导周文静"]
    token = session.exec(select(AckToken).where(AckToken.person_id == county["vice"].id)).first()
    assert token.used_at is None  # nothing used up either
    english = client.post(link + "?lang=en")
    assert "带班领导周文静 acknowledged at 15 Jul 02:12: your acknowledgement is not needed any more." in english.text


def test_a_stale_incident_page_records_nothing(client, app, session, users, county, clock, recorder, settings):
    app.state.clock = clock
    users["leader"].person_id = county["vice"].id  # the leader's account is the vice head, a step-1 target
    session.add(users["leader"])
    inc = _settled_by_the_duty_leader(session, county, clock, settings)
    assert client.post("/login", data={"username": "u_leader", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    page = client.post(f"/incidents/{inc.id}/ack", data={"csrf_token": csrf}, follow_redirects=True)
    assert page.status_code == 200, page.text
    said = page.text.split('id="action-notice" role="status">', 1)[1].split("</p>", 1)[0]
    assert said == "带班领导周文静已于7月15日 02:12确认收到，无需您再确认"
    assert _acks(session, inc) == ["带班领导周文静"]


def test_the_api_and_the_office_record_nothing_once_settled(session, county, clock, recorder, settings):
    inc = _settled_by_the_duty_leader(session, county, clock, settings)
    clock.advance(minutes=3)
    with pytest.raises(Conflict) as refused:
        _ack(session, inc, _as(county["vice"]), clock, settings)
    assert refused.value.field == "incident_id"
    assert refused.value.reason.startswith("带班领导周文静已于7月15日 02:12确认收到，无需您再确认 (")
    with pytest.raises(Conflict):  # the office recording a phoned-in acknowledgement: the same
        _ack(session, inc, DUTY, clock, settings, person_id=county["vice"].id)
    session.rollback()
    again = _ack(session, inc, _as(county["leader"]), clock, settings)  # twice: the first one, unchanged
    assert again.stopped and _acks(session, inc) == ["带班领导周文静"]


def test_the_api_answers_409_with_the_field(client, app, session, county, clock, recorder, settings, tokens):
    app.state.clock = clock
    inc = _settled_by_the_duty_leader(session, county, clock, settings)
    answer = client.post(f"/api/incidents/{inc.id}/ack", headers=tokens["duty_officer"],
                         json={"person_id": str(county["vice"].id)})
    assert answer.status_code == 409, answer.text
    assert "无需您再确认" in answer.text and "incident_id" in answer.text
    assert _acks(session, inc) == ["带班领导周文静"]


def test_a_closed_incident_records_no_acknowledgement(client, app, session, county, clock, recorder, settings):
    app.state.clock = clock
    _any_step(session)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    link = _link(session, "副县长钱立新")
    for kind in ("first", "final"):
        clock.advance(minutes=5)
        add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                   data=ReportIn(kind=kind, channel="phone", content="电话报告", confirm_unverified=True))
    session.commit()
    answer = client.post(link)
    assert answer.status_code == 409 and "终报办结，无需确认收到" in answer.text and BUTTON not in answer.text
    assert _acks(session, inc) == []
