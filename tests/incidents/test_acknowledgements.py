"""Who stops an escalation step, end to end on both databases with the delivery recorder and a controllable clock:
a duty officer's receipt (签收) never stops a leader's step; "all must acknowledge" waits for the last person;
acknowledging twice changes nothing; the button shows only to people whose acknowledgement counts."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from core.errors import Conflict, Forbidden
from models.accounts import Role
from models.deliveries import Delivery
from models.directory import PersonCreate
from models.incidents.escalation import Acknowledgement
from services.access import Actor
from services.directory import org
from services.incidents import acks, policies
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY, vice_on_leave
from tests.incidents.conftest import landslide as landslide_data
from tests.incidents.test_escalation_scenario import run


def _open(session, county, clock, settings):
    return open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                         now=clock.now, settings=settings)


def _as(person) -> Actor:
    """A leader's console account linked to their directory person."""
    return Actor(f"user-{person.name}", Role.leader, person.unit_id, person.id)


def _ack(session, inc, by, clock, settings, **kw):
    return acks.acknowledge(session=session, incident_id=inc.id, by=by, via="console", now=clock.now,
                            tz=settings.timezone, **kw)


def _all_must_ack(session, county) -> None:
    """Step 1: the duty leader and the vice head, both must acknowledge; step 2: the county head."""
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="all-ack", position=1, steps=[
            policies.StepIn(targets=[{"kind": "duty_leader_now"}, {"kind": "category_leader"}], channels=["wecom"],
                            wait_minutes=10, ack="all"),
            policies.StepIn(targets=[{"kind": "unit_head"}], channels=["wecom"], wait_minutes=10)]))
    session.commit()


def test_the_officers_receipt_does_not_stop_the_leaders_step(session, county, clock, recorder, settings):
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")

    clock.advance(minutes=2)
    receipt = acks.receive(session=session, incident_id=inc.id, by=DUTY, now=clock.now)
    assert acks.receive(session=session, incident_id=inc.id, by=DUTY, now=clock.now).id == receipt.id  # once
    with pytest.raises(Forbidden):  # the officer is nobody this escalation reaches: not an acknowledgement
        _ack(session, inc, DUTY, clock, settings)
    assert inc.acknowledged_at is None

    clock.advance(minutes=8)  # ten minutes after step 1, nobody who counts acknowledged: the head is reached
    run(session, clock, settings)
    recorder.expect("escalation", "县长赵国华")
    kinds = [(a.kind, a.name, a.stopped) for a in acks.acks_of(session, inc.id)]
    assert kinds == [("receipt", "duty", False)]


def test_an_officer_who_is_a_target_stops_the_step(session, county, clock, recorder, settings):
    officer = org.create_person(session=session, actor="test", data=PersonCreate(
        name="值班员王芳", unit_id=county["hub"].id, mobile="13900000001"))
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="officer-first", position=1, steps=[
            policies.StepIn(targets=[{"kind": "person", "ref": str(officer.id)}], channels=["wecom"], wait_minutes=5),
            policies.StepIn(targets=[{"kind": "unit_head"}], channels=["wecom"], wait_minutes=10)]))
    session.commit()
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "值班员王芳")
    me = Actor("wangfang", Role.duty_officer, county["hub"].id, officer.id)
    assert acks.ack_state(session, inc, me, clock.now, tz=settings.timezone).can_ack
    ack = _ack(session, inc, me, clock, settings)
    assert ack.stopped and inc.acknowledged_by == "值班员王芳"
    clock.advance(minutes=6)
    run(session, clock, settings)
    recorder.expect_none()


def test_all_must_acknowledge_waits_for_the_last(session, county, clock, recorder, settings):
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")

    clock.advance(minutes=3)
    first = _ack(session, inc, _as(county["leader"]), clock, settings)
    assert not first.stopped and inc.acknowledged_at is None
    clock.advance(minutes=4)
    last = _ack(session, inc, _as(county["vice"]), clock, settings)
    assert last.stopped and inc.acknowledged_by == "副县长钱立新"
    clock.advance(minutes=10)
    run(session, clock, settings)
    recorder.expect_none()  # both acknowledged: the head is not disturbed


def test_all_must_acknowledge_climbs_when_one_is_missing(session, county, clock, recorder, settings):
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=3)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    clock.advance(minutes=7)
    run(session, clock, settings)
    recorder.expect("escalation", "县长赵国华")
    head = _ack(session, inc, _as(county["head"]), clock, settings)  # step 2 is "any": the head alone stops it
    assert head.stopped


def test_the_acting_person_acknowledges_for_the_absent_target(session, county, clock, recorder, settings):
    _all_must_ack(session, county)
    vice_on_leave(session, county, clock)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "常务副县长吴振华")
    _ack(session, inc, _as(county["leader"]), clock, settings)
    assert _ack(session, inc, _as(county["deputy"]), clock, settings).stopped


def test_acknowledging_twice_is_one_acknowledgement(session, county, clock, recorder, settings):
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.new()
    clock.advance(minutes=1)
    first = _ack(session, inc, _as(county["leader"]), clock, settings)
    clock.advance(minutes=1)
    again = _ack(session, inc, _as(county["leader"]), clock, settings)
    assert again.id == first.id and again.at == first.at
    rows = session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == inc.id)).all()
    assert len(rows) == 1
    # the vice head's phoned-in acknowledgement after the leader's stopped the step counts for nothing: the office
    # is told who acknowledged when, and nothing is recorded (tests/incidents/test_ack_stale.py)
    for kw in ({"person_id": county["vice"].id}, {"name": "副县长钱立新"}):
        with pytest.raises(Conflict, match="带班领导周文静已于7月15日 02:11确认收到，无需您再确认"):
            _ack(session, inc, DUTY, clock, settings, **kw)
    assert len(session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == inc.id)).all()) == 1
    # the person's messages say they acknowledged (their inbox shows no button)
    msgs = session.exec(select(Delivery).where(Delivery.source_id == str(inc.id))).all()
    assert msgs and all(m.acked_at is not None for m in msgs if m.person_id == county["leader"].id)


def test_the_office_records_each_phoned_in_acknowledgement_once(session, county, clock, recorder, settings):
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    clock.advance(minutes=1)
    by_phone = _ack(session, inc, DUTY, clock, settings, person_id=county["vice"].id)
    clock.advance(minutes=1)
    assert _ack(session, inc, DUTY, clock, settings, name="副县长钱立新").id == by_phone.id
    assert by_phone.recorded_by == "duty" and by_phone.stopped


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_the_button_is_only_for_those_whose_acknowledgement_counts(client, app, users, tokens, county, clock,
                                                                   session, settings, recorder):
    app.state.clock = clock
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    session.commit()
    # the duty officer signs for it: no 确认收到 button, a 签收 one, which the escalation ignores
    csrf = _login(client, "u_duty_officer")
    page = client.get(f"/incidents/{inc.id}").text
    assert "确认收到</button>" not in page and "签收</button>" in page
    assert client.post(f"/incidents/{inc.id}/receipt", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{inc.id}").text
    assert "签收</button>" not in page and 'id="received-by-me"' in page
    assert client.post(f"/incidents/{inc.id}/ack", data={"csrf_token": csrf}).status_code == 403  # refused
    session.expire_all()
    assert inc.acknowledged_at is None
    # a leader whose account is not one of the people reached sees no button either
    users["leader"].person_id = county["vice_acc"].id  # the vice head for accidents: not this landslide's
    session.add(users["leader"])
    session.commit()
    csrf = _login(client, "u_leader")
    assert "确认收到</button>" not in client.get(f"/incidents/{inc.id}").text
    assert client.post(f"/incidents/{inc.id}/ack", data={"csrf_token": csrf}).status_code == 403
    r = client.post(f"/api/incidents/{inc.id}/ack", json={}, headers=tokens["leader"])
    assert r.status_code == 403 and r.json()["detail"][0]["loc"][-1] == "person_id"



def _inbox_step(app, users, county, clock, session, settings, recorder, targets, *reached):
    """An inbox-only first step to `targets`; the duty leader's console account (u_leader) linked to 周文静; the
    incident opened and its step's inbox messages delivered."""
    from services.deliveries import SendOutcome
    from tests.incidents.test_upward import dispatch

    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(name="inbox-step", position=1, steps=[
        policies.StepIn(targets=targets, channels=["inbox"], wait_minutes=10)]))
    users["leader"].person_id = county["leader"].id
    session.add(users["leader"])
    session.commit()
    app.state.clock = clock
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", *reached)
    dispatch(session, clock, lambda d: SendOutcome("delivered"))  # the inbox plugin delivers at once
    session.commit()
    return inc

def test_the_inbox_button_is_gone_once_acknowledged_in_the_console(client, app, users, county, clock, session,
                                                                   settings, recorder):
    inc = _inbox_step(app, users, county, clock, session, settings, recorder, [{"kind": "duty_leader_now"}],
                      "带班领导周文静")
    csrf = _login(client, "u_leader")
    button = re.compile(r'<a class="button[^"]*" href="[^"]*/ack/[^"]+">')
    assert button.search(client.get("/inbox").text)
    assert client.post(f"/incidents/{inc.id}/ack", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert not button.search(client.get("/inbox").text)  # given: no button leading to a used link
    assert "确认收到</button>" not in client.get(f"/incidents/{inc.id}").text


def test_time_to_acknowledge_starts_when_someone_could_first_be_told():
    """A report received by phone at 03:05 but typed in at 11:26: the leader who acknowledged at 11:28 took two
    minutes, not eight hours (the tester saw 用时503分1秒 and an MTTA of 30,181 s)."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from services.incidents.acks import ack_clock_start

    inc = SimpleNamespace(received_at=datetime(2026, 12, 1, 19, 5, tzinfo=UTC))
    first_message = datetime(2026, 12, 2, 3, 26, tzinfo=UTC)
    assert ack_clock_start(inc, first_message) == first_message
    assert ack_clock_start(inc, None) == inc.received_at  # not notified yet: from 接报
    early = datetime(2026, 12, 1, 19, 6, tzinfo=UTC)
    assert ack_clock_start(inc, early) == early


def test_the_page_lists_who_still_must_acknowledge(client, app, users, county, clock, session, settings, recorder):
    """An all-must-acknowledge step: the incident page says 待确认：… and the list shrinks with each acknowledgement."""
    app.state.clock = clock
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    session.commit()
    _login(client, "u_duty_officer")
    page = client.get(f"/incidents/{inc.id}").text
    assert 'id="pending-acks"' in page and "待确认：带班领导周文静、副县长钱立新" in re.sub(r"<[^>]+>", "", page)
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    session.commit()
    page = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}").text)  # names marked as data
    assert "待确认：副县长钱立新" in page and "带班领导周文静、" not in page
    _ack(session, inc, _as(county["vice"]), clock, settings)
    session.commit()
    assert 'id="pending-acks"' not in client.get(f"/incidents/{inc.id}").text


def test_the_inbox_says_another_leader_acknowledged_and_offers_no_button(client, app, users, county, clock, session,
                                                                        settings, recorder):
    """Either leader's acknowledgement meets the step: once the vice head has acknowledged, the duty leader's inbox
    says so, as the link's page does, instead of a button that would acknowledge nothing (ack17's note)."""
    inc = _inbox_step(app, users, county, clock, session, settings, recorder,
                      [{"kind": "duty_leader_now"}, {"kind": "category_leader"}], "带班领导周文静", "副县长钱立新")
    _login(client, "u_leader")
    button = re.compile(r'<a class="button[^"]*" href="[^"]*/ack/[^"]+">')
    assert button.search(client.get("/inbox").text)
    clock.advance(minutes=2)
    assert _ack(session, inc, _as(county["vice"]), clock, settings).stopped
    session.commit()
    page = client.get("/inbox").text
    assert not button.search(page)
    assert "副县长钱立新已于7月15日 02:12确认收到，无需您再确认。" in re.sub(r"<[^>]+>", "", page)
    english = re.sub(r"<[^>]+>", "", client.get("/inbox?lang=en").text)
    assert "副县长钱立新 acknowledged at 15 Jul 02:12: your acknowledgement is not needed any more." in english


def test_after_the_next_step_fires_the_pages_still_say_who_is_awaited(client, app, users, county, clock, session,
                                                                      settings, recorder):
    """Night duty: once step 2 (an "any" step) fired, the incident page said only 未确认 and who acknowledged in
    step 1; it and the board's 确认 cell now say 等待确认：县长赵国华 (an "all" step keeps its 待确认 wording)."""
    app.state.clock = clock
    _all_must_ack(session, county)
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    session.commit()
    clock.advance(minutes=10)
    run(session, clock, settings)
    session.commit()
    recorder.expect("escalation", "县长赵国华")
    _login(client, "u_duty_officer")
    page = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}").text)
    assert "等待确认：县长赵国华" in page and "待确认：副县长钱立新" not in page
    board = client.get("/incidents").text
    assert 'data-awaited="any"' in board and "等待确认：县长赵国华" in re.sub(r"<[^>]+>", "", board)
    en = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}", params={"lang": "en"}).text)
    assert "Waiting for an acknowledgement from: 县长赵国华" in en
    _ack(session, inc, _as(county["head"]), clock, settings)
    session.commit()
    assert 'id="pending-acks"' not in client.get(f"/incidents/{inc.id}").text
    assert "data-awaited" not in client.get("/incidents").text
