"""Automated checks against the loopback Aliyun IVR gateway: key press, no answer, busy, failure, late/duplicate receipts.

The dispatcher's part (send the call, hand back receipts) is played by tests/spotchecks/ivr_line.py with the real
plugin and the gateway's real push bodies; the service decides with rules.spotchecks.outcomes.ivr_next.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core.settings import Settings
from dutydesk.composition import ALERT_SOURCES
from models.spotchecks.checks import (
    CheckMode,
    IvrAttempt,
    PhoneCheck,
    PlannedCheck,
    PlannedStatus,
)
from services.spotchecks import calls, ivr, receipts
from tests.peers import aliyun as peer_mod
from tests.peers import serve
from tests.spotchecks.conftest import NOW, SETTINGS, town_check
from tests.spotchecks.ivr_line import AliyunLine, china, report, voice_report


@pytest.fixture
def line(monkeypatch):
    peer = peer_mod.AliyunPeer()
    with serve(peer.app) as url:
        ln = AliyunLine(peer, url)
        monkeypatch.setattr(calls, "placer", ln.place)
        yield ln


@pytest.fixture
def auto(session, plan, directory):
    return town_check(session, plan, directory, due=NOW - timedelta(seconds=30), mode=CheckMode.automated)


def feed(session, line, body, now):
    return [receipts.on_receipt(session=session, kind=r.kind, at=r.at, key=r.key, now=now, settings=SETTINGS,
                                provider_call_id=r.provider_message_id, detail=r.detail, text=r.text)
            for r in line.receipts(body)]


def results_of(session, planned):
    return session.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == planned.id)
                        .order_by(PhoneCheck.recorded_at)).all()


def test_key_1_within_30_seconds_is_present(session, line, auto, directory):
    assert ivr.run_round(session=session, now=NOW, settings=SETTINGS)["started"] == 1
    sent = line.peer.received[-1]["params"]
    assert sent["CalledNumber"] == "08381234567" and "请按1确认在岗" in sent["StartTtsParams"]
    call = line.calls[0]
    feed(session, line, report(call, "200102", china(NOW + timedelta(seconds=6))), NOW + timedelta(seconds=6))
    states = feed(session, line, report(call, "300000", china(NOW + timedelta(seconds=15)), dtmf="1"),
                  NOW + timedelta(seconds=15))
    assert states == ["present"]
    [check] = results_of(session, auto)
    assert (check.outcome, check.mode) == ("normal", "automated")
    assert (check.key_at - check.answered_at) == timedelta(seconds=9)
    # the final VoiceReport repeats what we know: nothing new, still one result
    again = feed(session, line, voice_report(call, "200000", answered=china(NOW + timedelta(seconds=6)),
                                             ended=china(NOW + timedelta(seconds=20)), dtmf="1"), NOW + timedelta(seconds=30))
    assert set(again) == {"duplicate"} and len(results_of(session, auto)) == 1
    assert session.get(PlannedCheck, auto.id).status == PlannedStatus.done


@pytest.mark.parametrize(("code", "outcome"), [("200003", "no_answer"), ("200002", "busy"), ("200011", "dead_number")])
def test_three_unanswered_calls_five_minutes_apart_then_failure(session, line, auto, code, outcome):
    t = NOW
    ivr.run_round(session=session, now=t, settings=SETTINGS)
    for n in range(3):
        assert len(line.calls) == n + 1
        feed(session, line, voice_report(line.calls[-1], code, ended=china(t + timedelta(seconds=40))),
             t + timedelta(seconds=40))
        assert ivr.run_round(session=session, now=t + timedelta(minutes=4), settings=SETTINGS)["called"] == 0  # not yet
        t += timedelta(minutes=5)
        ivr.run_round(session=session, now=t, settings=SETTINGS)
    assert len(line.peer.received) == 3
    [check] = results_of(session, auto)
    assert check.outcome == outcome and "第3次" in check.notes


def test_answered_without_key_retries_and_a_key_on_the_second_call_counts(session, line, auto):
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    feed(session, line, voice_report(line.calls[0], "200008", answered=china(NOW + timedelta(seconds=5)),
                                     ended=china(NOW + timedelta(seconds=40))), NOW + timedelta(seconds=41))
    ivr.run_round(session=session, now=NOW + timedelta(minutes=2), settings=SETTINGS)  # answered, no key: timed out
    ivr.run_round(session=session, now=NOW + timedelta(minutes=6), settings=SETTINGS)
    assert len(line.calls) == 2
    feed(session, line, report(line.calls[1], "300000", china(NOW + timedelta(minutes=6, seconds=9)), dtmf="1"),
         NOW + timedelta(minutes=6, seconds=10))
    [check] = results_of(session, auto)
    assert check.outcome == "normal"


def test_provider_refusing_every_call_hands_the_check_to_the_duty_officer_not_a_failure(session, line, auto):
    from services import alerts
    from services.spotchecks.plans import due_manual

    line.peer.answer = "code:isv.OUT_OF_SERVICE"  # our account is suspended: not the unit's fault
    ivr.run_round(session=session, now=NOW, settings=SETTINGS)
    found = {a.code: a for a in alerts.collect(session=session, now=NOW, settings=Settings(), sources=ALERT_SOURCES)}
    assert found["spotcheck_call_not_placed"].count == 1
    for minutes in (5, 10):
        ivr.run_round(session=session, now=NOW + timedelta(minutes=minutes), settings=SETTINGS)
    assert results_of(session, auto) == []  # no failure is recorded against the unit
    attempts = session.exec(select(IvrAttempt).where(IvrAttempt.planned_check_id == auto.id)).all()
    assert [a.result for a in attempts] == ["failed"] * 3 and "未能发起呼叫" in attempts[0].detail
    assert auto.id in [p.id for p in due_manual(session=session, now=NOW + timedelta(minutes=10), settings=SETTINGS)]
    later = NOW + timedelta(minutes=11)
    assert "spotcheck_call_not_placed" in {a.code for a in alerts.collect(session=session, now=later, settings=Settings(), sources=ALERT_SOURCES)}
    assert ivr.run_round(session=session, now=later, settings=SETTINGS)["started"] == 0  # handed over: not called again


def test_silent_call_times_out_and_a_late_key_press_then_corrects_the_failure(session, line, auto):
    for minutes in (0, 5, 10, 15):  # no receipt ever: each attempt times out after 5 minutes
        ivr.run_round(session=session, now=NOW + timedelta(minutes=minutes), settings=SETTINGS)
    [failed] = results_of(session, auto)
    assert failed.outcome == "no_answer"
    late = NOW + timedelta(minutes=20)
    assert feed(session, line, report(line.calls[0], "300000", china(NOW + timedelta(seconds=12)), dtmf="1"),
                late) == ["late"]
    old, new = results_of(session, auto)
    assert (new.corrects_id, new.outcome, old.outcome) == (failed.id, "normal", "no_answer")
    assert feed(session, line, report(line.calls[0], "300000", china(NOW + timedelta(seconds=12)), dtmf="1"),
                late) == ["duplicate"]
    assert len(results_of(session, auto)) == 2


def test_receipt_for_an_unknown_call_is_ignored(session, line, auto):
    assert feed(session, line, report("nope^1", "300000", china(NOW), dtmf="1"), NOW) == ["unknown"]


def test_without_a_voice_channel_a_due_automated_check_is_an_alert_and_a_call_now_task(session, auto):
    from services import alerts
    from services.spotchecks.plans import due_manual

    assert ivr.run_round(session=session, now=NOW, settings=SETTINGS)["started"] == 0
    found = {a.code: a for a in alerts.collect(session=session, now=NOW, settings=Settings(), sources=ALERT_SOURCES)}
    assert found["spotcheck_no_voice_channel"].count == 1 and "未配置语音渠道" in found["spotcheck_no_voice_channel"].text
    assert auto.id in [p.id for p in due_manual(session=session, now=NOW, settings=SETTINGS)]
    early = NOW - timedelta(minutes=1)  # not due yet: nothing to say
    assert "spotcheck_no_voice_channel" not in {a.code for a in alerts.collect(session=session, now=early,
                                                                               settings=SETTINGS, sources=ALERT_SOURCES)}


@pytest.mark.parametrize(("dtmf", "outcome", "note"), [("2", "wrong_key", "按键错误（按2）"),
                                                       ("", "answered_no_key", "接听未按键")])
def test_answered_without_the_right_key_three_times_is_its_own_outcome_not_no_answer(session, line, auto, dtmf,
                                                                                     outcome, note):
    t = NOW
    ivr.run_round(session=session, now=t, settings=SETTINGS)
    for n in range(3):
        feed(session, line, voice_report(line.calls[-1], "200000", answered=china(t + timedelta(seconds=5)),
                                         ended=china(t + timedelta(seconds=40)), dtmf=dtmf), t + timedelta(seconds=41))
        ivr.run_round(session=session, now=t + timedelta(minutes=2), settings=SETTINGS)  # no right key: timed out
        t += timedelta(minutes=5)
        ivr.run_round(session=session, now=t, settings=SETTINGS)
    [check] = results_of(session, auto)
    assert check.outcome == outcome and note in check.notes and "无人接听" not in check.notes


def test_a_key_pressed_after_the_timeout_is_no_confirmation(session, line, auto):
    t = NOW
    ivr.run_round(session=session, now=t, settings=SETTINGS)
    for n in range(3):
        feed(session, line, report(line.calls[-1], "200102", china(t + timedelta(seconds=5))), t + timedelta(seconds=5))
        feed(session, line, report(line.calls[-1], "300000", china(t + timedelta(seconds=50)), dtmf="1"),
             t + timedelta(seconds=50))  # 45 s after answering: too late
        t += timedelta(minutes=5)
        ivr.run_round(session=session, now=t, settings=SETTINGS)
    [check] = results_of(session, auto)
    assert check.outcome == "answered_no_key" and "按键超时" in check.notes
