"""An automated check that asks for the answerer's duty code (值班识别码), against the loopback Aliyun IVR gateway.

The plan's 要求按值班识别码 is on: the call says so, the confirm key alone is not enough, and the keyed code says who
answered — the rostered person (正常, roster confirmed), another person of the unit (非排班人员接听, a failure at once),
nobody's code (识别码错误) or none in time (未输入识别码), each retried like a missing key. Both databases.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core.errors import Conflict, Forbidden, Invalid
from models.accounts import Role
from models.audit import AuditEntry
from models.directory import Person, PersonCreate
from models.rosters.roster import RosterSlot
from models.spotchecks.checks import CheckMode, PhoneCheck, SpotCheckPlan
from services.access import Actor
from services.directory import duty_codes, org
from services.spotchecks import calls, ivr
from tests.peers import aliyun as peer_mod
from tests.peers import serve
from tests.spotchecks.conftest import NOW, SETTINGS, TZ, town_check
from tests.spotchecks.ivr_line import AliyunLine, china, report, voice_report
from tests.spotchecks.test_ivr import feed

ADMIN = Actor.system("test-admin")


@pytest.fixture
def line(monkeypatch):
    peer = peer_mod.AliyunPeer()
    with serve(peer.app) as url:
        ln = AliyunLine(peer, url)
        monkeypatch.setattr(calls, "placer", ln.place)
        yield ln


@pytest.fixture
def town(session, directory):
    """The town's rostered officer (code 4821) and a colleague not on the roster (code 7305)."""
    officer = directory["people"]["t1"]
    colleague = org.create_person(session=session, actor="test", data=PersonCreate(
        name="高观镇副站长", unit_id=directory["town"].id))
    duty_codes.set_code(session=session, person_id=officer.id, code="4821", by=ADMIN, now=NOW, settings=SETTINGS)
    duty_codes.set_code(session=session, person_id=colleague.id, code="7305", by=ADMIN, now=NOW, settings=SETTINGS)
    start = NOW - timedelta(hours=2)
    session.add(RosterSlot(unit_id=directory["town"].id, day=start.astimezone(TZ).date(), post="officer",
                           person_id=officer.id, starts_at=start, ends_at=start + timedelta(hours=24)))
    session.commit()
    return {"officer": officer, "colleague": colleague}


@pytest.fixture
def auto(session, plan, directory, town):
    plan.require_duty_code = True
    session.add(plan)
    session.commit()
    return town_check(session, plan, directory, due=NOW - timedelta(seconds=30), mode=CheckMode.automated)


def results_of(session, planned):
    return session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == planned.id)
                        .order_by(PhoneCheck.recorded_at)).all()


def answer_and_key(session, line, t, dtmf: str):
    """The callee picks up at t+5 s and keys `dtmf` (the confirm key and the code, as Aliyun reports it) at t+12 s."""
    call = line.calls[-1]
    feed(session, line, report(call, "200102", china(t + timedelta(seconds=5))), t + timedelta(seconds=5))
    return feed(session, line, report(call, "300000", china(t + timedelta(seconds=12)), dtmf=dtmf),
                t + timedelta(seconds=12))


def test_the_rostered_persons_code_is_present_and_confirms_the_roster(session, line, auto, town):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    sent = line.peer.received[-1]["params"]["StartTtsParams"]
    assert "请按1确认在岗" in sent and "值班识别码" in sent
    assert answer_and_key(session, line, NOW, "14821#") == ["present"]
    [check] = results_of(session, auto)
    assert (check.outcome, check.roster_match, check.answered_person_id) == ("normal", True, town["officer"].id)
    assert (check.answered_by, check.rostered) == ("高观镇值班员", "高观镇值班员")
    assert "识别码为排班人员" in check.notes and "4821" not in check.notes


def test_the_confirm_key_alone_waits_for_the_code_and_then_it_comes_on_its_own(session, line, auto, town):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    assert answer_and_key(session, line, NOW, "1") == ["waiting"]
    assert results_of(session, auto) == []
    assert ivr.run_round(session=session, now=NOW + timedelta(seconds=20), settings=SETTINGS)["waiting"] == 1
    states = feed(session, line, report(line.calls[-1], "300000", china(NOW + timedelta(seconds=20)), dtmf="4821#"),
                  NOW + timedelta(seconds=20))
    assert states == ["present"]
    [check] = results_of(session, auto)
    assert (check.outcome, check.roster_match) == ("normal", True)


def test_a_colleagues_code_is_a_stand_in_recorded_at_once(session, line, auto, town):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    assert answer_and_key(session, line, NOW, "17305") == ["fail"]
    [check] = results_of(session, auto)
    assert (check.outcome, check.roster_match) == ("stand_in_answered", False)
    assert (check.answered_person_id, check.answered_by, check.rostered) == (
        town["colleague"].id, "高观镇副站长", "高观镇值班员")
    assert "识别码为非排班人员（高观镇副站长）" in check.notes
    assert len(line.calls) == 1  # not called again


@pytest.mark.parametrize(("dtmf", "outcome", "note"), [("19999#", "duty_code_wrong", "识别码错误"),
                                                       ("1", "duty_code_missing", "未输入识别码")])
def test_a_wrong_or_missing_code_is_retried_then_its_own_outcome(session, line, auto, dtmf, outcome, note):
    t = NOW
    ivr.run_round(session=session, now=t, settings=SETTINGS)
    for n in range(3):
        answer_and_key(session, line, t, dtmf)
        ivr.run_round(session=session, now=t + timedelta(minutes=2), settings=SETTINGS)  # the code's time is up
        t += timedelta(minutes=5)
        ivr.run_round(session=session, now=t, settings=SETTINGS)
    assert len(line.calls) == 3
    [check] = results_of(session, auto)
    assert check.outcome == outcome and note in check.notes
    assert (check.roster_match, check.answered_person_id, check.rostered) == (None, None, "高观镇值班员")


def test_a_code_keyed_after_the_timeout_counts_as_none(session, line, auto):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    answer_and_key(session, line, NOW, "1")
    late = NOW + timedelta(seconds=50)  # 38 s after the confirm key
    feed(session, line, report(line.calls[-1], "300000", china(late), dtmf="4821#"), late)
    assert results_of(session, auto) == []  # retried, not present
    assert ivr.run_round(session=session, now=NOW + timedelta(minutes=5), settings=SETTINGS)["called"] == 1


def test_the_final_voice_report_repeating_the_keys_changes_nothing(session, line, auto):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    answer_and_key(session, line, NOW, "14821#")
    again = feed(session, line, voice_report(line.calls[-1], "200000", answered=china(NOW + timedelta(seconds=5)),
                                             ended=china(NOW + timedelta(seconds=20)), dtmf="14821#"),
                 NOW + timedelta(seconds=30))
    assert set(again) == {"duplicate"} and len(results_of(session, auto)) == 1


def test_without_the_plan_setting_the_key_alone_is_present_as_before(session, line, plan, directory, town):
    assert plan.require_duty_code is False  # the default (DUTYDESK_SPOTCHECKS__REQUIRE_DUTY_CODE)
    pc = town_check(session, plan, directory, due=NOW - timedelta(seconds=30), mode=CheckMode.automated)
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    assert "值班识别码" not in line.peer.received[-1]["params"]["StartTtsParams"]
    assert answer_and_key(session, line, NOW, "1") == ["present"]
    [check] = results_of(session, pc)
    assert (check.outcome, check.roster_match, check.answered_person_id) == ("normal", None, None)


# Setting codes: who may, what is kept, what is refused.

def test_a_duty_code_is_kept_hashed_unique_in_the_unit_and_never_in_the_audit_log(session, directory, town):
    officer = session.get(Person, town["officer"].id)
    assert officer.duty_code_hash and "4821" not in officer.duty_code_hash
    assert duty_codes.state(officer)["set"] is True
    with pytest.raises(Conflict):
        duty_codes.set_code(session=session, person_id=town["colleague"].id, code="4821", by=ADMIN, now=NOW,
                            settings=SETTINGS)
    other_unit = directory["people"]["d1"]  # another unit may use the same digits
    duty_codes.set_code(session=session, person_id=other_unit.id, code="4821", by=ADMIN, now=NOW, settings=SETTINGS)
    for bad in ("12", "1234567", "12a4", "0000"):
        with pytest.raises(Invalid):
            duty_codes.set_code(session=session, person_id=officer.id, code=bad, by=ADMIN, now=NOW, settings=SETTINGS)
    assert duty_codes.whose(session, directory["town"].id, "4821", SETTINGS).id == officer.id
    assert duty_codes.whose(session, directory["town"].id, "1111", SETTINGS) is None
    entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "person",
                                                    AuditEntry.entity_id == str(officer.id))).all()
    assert any(e.action == "set_duty_code" for e in entries)
    assert not any("4821" in str(e.before) + str(e.after) + e.note for e in entries)
    duty_codes.clear_code(session=session, person_id=officer.id, by=ADMIN, now=NOW)
    assert duty_codes.whose(session, directory["town"].id, "4821", SETTINGS) is None


def test_only_an_admin_or_the_units_reporter_sets_a_duty_code(session, directory, town):
    town_id, officer = directory["town"].id, town["officer"]
    reporter = Actor("rep", Role.unit_reporter, unit_id=town_id)
    duty_codes.set_code(session=session, person_id=officer.id, code="5566", by=reporter, now=NOW, settings=SETTINGS)
    with pytest.raises(Forbidden):
        duty_codes.set_code(session=session, person_id=officer.id, code="5567", by=Actor("duty", Role.duty_officer),
                            now=NOW, settings=SETTINGS)
    with pytest.raises(Exception):  # another unit's person: not found for a unit reporter
        duty_codes.set_code(session=session, person_id=directory["people"]["d1"].id, code="5566", by=reporter,
                            now=NOW, settings=SETTINGS)


def test_moving_a_person_to_another_unit_drops_their_code(session, directory, town):
    from models.directory import PersonUpdate

    org.update_person(session=session, person_id=town["officer"].id, actor="test",
                      data=PersonUpdate(unit_id=directory["dept"].id))
    assert session.get(Person, town["officer"].id).duty_code_hash is None


def test_a_plans_duty_code_setting_follows_the_deployment_default_and_can_be_changed(session, directory):
    from core.settings import Settings
    from services.spotchecks.plans import make_plan, set_require_duty_code

    on = Settings(environment="test", timezone="Asia/Shanghai", spotchecks={"require_duty_code": True})
    plan = make_plan(session=session, quarter="2027Q1", seed=1, actor="t", now=NOW, settings=on)
    assert plan.require_duty_code is True
    set_require_duty_code(session=session, plan_id=plan.id, on=False, actor="t", now=NOW)
    assert session.get(SpotCheckPlan, plan.id).require_duty_code is False


def test_the_queued_call_asks_its_voice_channel_to_gather_the_code(session, plan, directory, town):
    """Through the outbox (no test placer): the call of a plan that asks for the duty code tells the voice channel to
    gather the confirm key and the code (Twilio: until #), and the hint never reaches a provider's template."""
    from models.deliveries import ChannelConfigCreate, Delivery
    from notifiers.registry import get as notifier_class
    from services.deliveries.channels import create_channel
    from services.deliveries.render import message_for

    create_channel(session=session, actor="test", key="k" * 32, data=ChannelConfigCreate(
        name="twilio", kind="twilio_voice", config={"account_sid": "AC" + "0" * 32, "auth_token": "t",
                                                     "from_number": "+15005550006"}))
    plan.require_duty_code = True
    session.add(plan)
    session.commit()
    asked = town_check(session, plan, directory, due=NOW - timedelta(seconds=30), mode=CheckMode.automated)
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    [row] = session.exec(select(Delivery).where(Delivery.source_id == str(asked.id))).all()
    cls = notifier_class("twilio_voice")
    msg = message_for(row, cls(cls.Config(account_sid="AC" + "0" * 32, auth_token="t", from_number="+1")),
                      "https://duty.example")
    assert msg.collect_code and msg.template_params == {} and "值班识别码" in msg.voice_text
