"""Automated spot checks through the real delivery dispatcher and the app's real callback route.

At the planned time the round queues the call, the dispatcher places it on the loopback Aliyun gateway, and the
gateway's pushes reach /callbacks/voice. Every IvrCall the gateway receives is counted: an extra call (say, the
dispatcher retrying a spot-check call on its own) fails the test as surely as a missing one.
"""

from __future__ import annotations

import pytest

from core.settings import Settings
from tests.conftest import PG_URL, _pg_available
from tests.peers import aliyun as gateway
from tests.peers import serve
from tests.spotchecks.conftest import SETTINGS
from tests.spotchecks.live_voice import (
    T0,
    Clock,
    VoiceWorld,
    after,
    china,
    fresh_database,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    if request.param == "postgresql" and not _pg_available(PG_URL):
        pytest.skip("PostgreSQL not reachable")
    from dutydesk.composition import build_web_app

    tmp = tmp_path_factory.mktemp("live")
    settings = Settings(environment="test", data_dir=tmp, flows={"mode": "off"})
    clock = Clock(T0)
    peer = gateway.AliyunPeer()
    with fresh_database(request.param, tmp, PG_URL) as engine:
        app = build_web_app(settings, engine)
        app.state.clock = clock
        with serve(app) as app_url, serve(peer.app) as peer_url:
            yield VoiceWorld(engine, settings, app_url, peer, peer_url, clock)


def ivr_calls(world, phone: str) -> int:
    """Calls the gateway accepted for one duty line (each test checks its own town)."""
    number = phone.replace("-", "")
    return sum(1 for r in world.peer.received
               if r["action"] == "IvrCall" and r["error"] is None and r["params"].get("CalledNumber") == number)


def test_key_1_is_present_with_the_providers_answer_and_key_times(world):
    phone = "0838-1234567"
    before = ivr_calls(world, phone)
    pc = world.automated_check("按键在岗镇", phone, after(T0, seconds=-30))
    assert world.round(T0)["started"] == 1
    assert world.dispatch(T0) == 1 and ivr_calls(world, phone) == before + 1
    sent = world.peer.received[-1]["params"]
    assert sent["CalledNumber"] == "08381234567" and "请按1确认在岗" in sent["StartTtsParams"]
    [call] = world.call_ids(pc)
    assert world.push(gateway.call_report(call, "200102", china(after(T0, seconds=6))),
                      after(T0, seconds=7)).status_code == 200
    r = world.push(gateway.call_report(call, "300000", china(after(T0, seconds=15)), dtmf="1"), after(T0, seconds=16))
    assert r.status_code == 200 and r.json()["code"] == 0
    [check] = world.results(pc)
    assert (check.outcome, check.mode) == ("normal", "automated")
    assert check.key_at - check.answered_at == after(T0, seconds=9) - T0  # the provider's times, not arrival
    assert world.planned(pc).status == "done"
    world.round(after(T0, minutes=10))
    assert world.dispatch(after(T0, minutes=10)) == 0 and ivr_calls(world, phone) == before + 1


@pytest.mark.parametrize(("code", "outcome"), [
    pytest.param("200003", "no_answer"),
    pytest.param("200002", "busy"),
    ("200011", "dead_number"),  # a failed call is permanent: the dispatcher leaves it alone already
])
def test_unanswered_is_called_three_times_five_minutes_apart_then_recorded(world, code, outcome):
    phone = f"0838-76{code}"
    before = ivr_calls(world, phone)
    pc = world.automated_check(f"未接镇{code}", phone, after(T0, seconds=-30))
    t = T0
    world.round(t)
    for n in range(1, 4):
        world.dispatch(t)
        assert ivr_calls(world, phone) == before + n, f"call {n}"
        call = world.call_ids(pc)[-1]
        world.push(gateway.voice_report(call, code, ended=china(after(t, seconds=40))), after(t, seconds=41))
        world.round(after(t, minutes=4))
        world.dispatch(after(t, minutes=4))  # nothing is due before the five minutes are up
        assert ivr_calls(world, phone) == before + n, f"an extra call before retry {n}"
        t = after(t, minutes=5)
        world.round(t)
    world.dispatch(t)
    assert ivr_calls(world, phone) == before + 3
    assert [d.sent_at for d in world.calls_for(pc)] == [T0, after(T0, minutes=5), after(T0, minutes=10)]
    [check] = world.results(pc)
    assert check.outcome == outcome and "第3次" in check.notes


def test_the_same_push_twice_records_one_result(world):
    pc = world.automated_check("重复回执镇", "0838-1112223", after(T0, seconds=-30))
    world.round(T0)
    world.dispatch(T0)
    [call] = world.call_ids(pc)
    push = gateway.voice_report(call, "200000", answered=china(after(T0, seconds=5)),
                                ended=china(after(T0, seconds=20)), dtmf="1")
    assert world.push(push, after(T0, seconds=21)).status_code == 200
    assert world.push(push, after(T0, seconds=50)).status_code == 200
    [check] = world.results(pc)
    assert check.outcome == "normal"
    assert world.push(gateway.call_report(call, "300000", china(after(T0, seconds=20)), dtmf="1"),
                      after(T0, minutes=1)).status_code == 200
    assert len(world.results(pc)) == 1


def test_a_late_key_press_corrects_the_recorded_failure_with_a_new_entry(world):
    phone = "0838-3334445"
    before = ivr_calls(world, phone)
    pc = world.automated_check("迟到回执镇", phone, after(T0, seconds=-30))
    for minutes in (0, 5, 10, 15):  # the provider never reports: each call times out after five minutes
        world.round(after(T0, minutes=minutes))
        world.dispatch(after(T0, minutes=minutes))
    assert ivr_calls(world, phone) == before + 3
    [failed] = world.results(pc)
    assert failed.outcome == "no_answer"
    first = world.call_ids(pc)[0]
    late = gateway.call_report(first, "300000", china(after(T0, seconds=12)), dtmf="1")
    assert world.push(late, after(T0, minutes=20)).status_code == 200
    old, new = world.results(pc)
    assert (new.corrects_id, new.outcome, old.outcome) == (failed.id, "normal", "no_answer")
    assert world.push(late, after(T0, minutes=21)).status_code == 200
    assert len(world.results(pc)) == 2


def test_a_push_without_the_token_is_refused_and_changes_nothing(world):
    pc = world.automated_check("伪造回执镇", "0838-5556667", after(T0, seconds=-30))
    world.round(T0)
    world.dispatch(T0)
    [call] = world.call_ids(pc)
    forged = gateway.call_report(call, "300000", china(after(T0, seconds=9)), dtmf="1")
    assert world.push(forged, after(T0, seconds=10), token="guess").status_code == 401
    assert world.results(pc) == []
    world.push(forged, after(T0, seconds=11))
    assert [c.outcome for c in world.results(pc)] == ["normal"]


def test_a_failing_channel_is_an_alert_in_metrics_and_the_check_goes_to_the_duty_officer(world):
    import httpx

    from services.spotchecks.plans import due_manual

    phone = "0838-9990001"
    pc = world.automated_check("渠道故障镇", phone, after(T0, seconds=-30))
    world.peer.answer = "code:isv.OUT_OF_SERVICE"  # the voice account is suspended
    try:
        world.round(T0)
        world.dispatch(T0)
        assert 'dutydesk_alerts{code="delivery_failed"' in httpx.get(f"{world.app_url}/metrics", timeout=10).text
        for minutes in (1, 5, 10, 15):  # the next round (every minute) learns the call was never placed
            world.round(after(T0, minutes=minutes))
            world.dispatch(after(T0, minutes=minutes))
            metrics = httpx.get(f"{world.app_url}/metrics", timeout=10).text
            assert 'dutydesk_alerts{code="spotcheck_call_not_placed",severity="critical"} 1.0' in metrics
    finally:
        world.peer.answer = "ok"
    assert world.results(pc) == []  # the unit is not blamed for our channel
    from sqlmodel import Session

    with Session(world.engine) as s:
        assert pc.id in [p.id for p in due_manual(session=s, now=after(T0, minutes=16), settings=SETTINGS)]


def test_a_duty_code_keyed_on_the_call_reaches_the_check_through_the_callback_route(world):
    """The plan asks for the duty code: the call says so, and the pushed DTMF ("1" then the code) names who answered."""
    from datetime import timedelta

    from sqlmodel import Session

    from models.directory import PersonCreate
    from models.rosters.roster import RosterSlot
    from models.spotchecks.checks import CheckMode, PlannedCheck
    from services.access import Actor
    from services.directory import duty_codes, org
    from services.spotchecks.plans import make_plan

    phone = "0838-4445556"
    with Session(world.engine, expire_on_commit=False) as s:
        unit = world._town(s, "识别码镇", phone)
        officer = org.create_person(session=s, actor="test", data=PersonCreate(name="识别码镇值班员", unit_id=unit.id))
        duty_codes.set_code(session=s, person_id=officer.id, code="4821", by=Actor.system("test"), now=T0,
                            settings=world.settings)
        start = after(T0, hours=-6)
        s.add(RosterSlot(unit_id=unit.id, day=start.date(), post="officer", person_id=officer.id, starts_at=start,
                         ends_at=start + timedelta(hours=24)))
        plan = make_plan(session=s, quarter="2027Q1", seed=1, actor="test", now=T0, settings=SETTINGS,
                         require_duty_code=True)
        pc = PlannedCheck(plan_id=plan.id, unit_id=unit.id, planned_at=after(T0, seconds=-30),
                          mode=CheckMode.automated, reasons=[], why="test")
        s.add(pc)
        s.commit()
    world.round(T0)
    world.dispatch(T0)
    sent = [r["params"] for r in world.peer.received if r["params"].get("CalledNumber") == "08384445556"][-1]
    assert "值班识别码" in sent["StartTtsParams"]
    [call] = world.call_ids(pc)
    world.push(gateway.call_report(call, "200102", china(after(T0, seconds=5))), after(T0, seconds=6))
    r = world.push(gateway.call_report(call, "300000", china(after(T0, seconds=14)), dtmf="14821#"),
                   after(T0, seconds=15))
    assert r.status_code == 200
    [check] = world.results(pc)
    assert (check.outcome, check.roster_match, check.answered_person_id) == ("normal", True, officer.id)
    assert check.rostered == "识别码镇值班员"
