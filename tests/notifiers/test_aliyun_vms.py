"""Aliyun IVR calls against the loopback gateway, and the call receipts it pushes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from notifiers.aliyun_vms import AliyunVmsConfig, AliyunVmsNotifier
from notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from tests.notifiers.conftest import make_message
from tests.peers import aliyun as peer_mod
from tests.peers import serve

CALL = "116012354148^102"


@pytest.fixture
def peer():
    p = peer_mod.AliyunPeer()
    with serve(p.app) as url:
        p.url = url
        yield p


def _config(url: str = "https://dyvmsapi.aliyuncs.com", **over) -> AliyunVmsConfig:
    cfg = dict(base_url=url, access_key_id="LTAI-test", access_key_secret="secret-test",
               called_show_number="057100000000", start_code="TTS_ALERT", confirm_code="TTS_THANKS",
               text_param="content", callback_token="tok-v", timeout=0.5)
    cfg.update(over)
    return AliyunVmsConfig(**cfg)


@pytest.mark.anyio
async def test_ivr_call_asks_for_key_1_within_30_seconds(peer, client):
    msg = make_message(voice_text="城东化工厂发生火情，确认请按1", template_params={"unit": "应急局"})
    result = await AliyunVmsNotifier(_config(peer.url), client=client).send(msg)
    arrived = peer.received[-1]
    assert arrived["error"] is None and arrived["action"] == "IvrCall"
    p = arrived["params"]
    assert (p["CalledNumber"], p["CalledShowNumber"], p["StartCode"]) == ("13800138000", "057100000000", "TTS_ALERT")
    assert json.loads(p["StartTtsParams"]) == {"unit": "应急局", "content": "城东化工厂发生火情，确认请按1"}
    assert (p["MenuKeyMap.1.Key"], p["MenuKeyMap.1.Code"]) == ("1", "TTS_THANKS")
    assert (p["Timeout"], p["PlayTimes"]) == ("30000", "3")
    assert result.provider_message_id == "116011^102"


@pytest.mark.anyio
async def test_tampered_signature_is_refused_by_the_gateway(peer, client):
    with pytest.raises(PermanentError) as err:
        await AliyunVmsNotifier(_config(peer.url, access_key_secret="guess"), client=client).send(make_message())
    assert err.value.code == "SignatureDoesNotMatch"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [("code:Throttling.User", RateLimitedError, "Throttling.User"),
     ("code:isv.OUT_OF_SERVICE", PermanentError, "isv.OUT_OF_SERVICE"),
     ("code:isp.SYSTEM_ERROR", RetryableError, "isp.SYSTEM_ERROR"),
     ("500", RetryableError, "500"),
     ("slow", RetryableError, "timeout")],
)
async def test_provider_answers_map_to_typed_errors(peer, client, answer, error, code):
    peer.answer = answer
    with pytest.raises(error) as err:
        await AliyunVmsNotifier(_config(peer.url), client=client).send(make_message())
    assert err.value.code == code


def _parse(body: bytes, token: str = "tok-v"):
    n = AliyunVmsNotifier(_config())
    return n.parse_callback(CallbackRequest(url="https://duty.example/cb/aliyun_vms", query={"token": token}, body=body))


def _t(h, m, s):
    return datetime(2025, 3, 1, h, m, s, tzinfo=UTC)  # the pushes say 2025-03-01 local = UTC+8


def test_answered_then_key_1_gives_answered_and_key_press_receipts():
    events = [peer_mod.call_report(CALL, "200201", "2025-03-01 10:00:03"),
              peer_mod.call_report(CALL, "200102", "2025-03-01 10:00:06"),
              peer_mod.call_report(CALL, "300000", "2025-03-01 10:00:15", dtmf="1")]
    ringing, answered, key = (_parse(e) for e in events)
    assert ringing == []
    assert [(r.kind, r.at) for r in answered] == [("answered", _t(2, 0, 6))]
    assert [(r.kind, r.key, r.provider_message_id, r.at) for r in key] == [("key_press", "1", CALL, _t(2, 0, 15))]
    final = _parse(peer_mod.voice_report(CALL, "200000", answered="2025-03-01 10:00:06",
                                         ended="2025-03-01 10:00:20", ring="2025-03-01 10:00:03", dtmf="1"))
    assert [r.kind for r in final] == ["answered", "key_press"]
    assert final[0].at == _t(2, 0, 6) and "振铃 2025-03-01 10:00:03" in final[0].detail


@pytest.mark.parametrize(("code", "kind"), [("200003", "no_answer"), ("200002", "busy"), ("200011", "failed"),
                                            ("200005", "failed")])
def test_unanswered_calls(code, kind):
    [r] = _parse(peer_mod.voice_report(CALL, code, ended="2025-03-01 10:01:00", msg="结果"))
    assert (r.kind, r.provider_message_id, r.at) == (kind, CALL, _t(2, 1, 0))
    assert code in r.detail


def test_answered_without_key_is_answered_only():
    rs = _parse(peer_mod.voice_report(CALL, "200008", answered="2025-03-01 10:00:06", ended="2025-03-01 10:00:40"))
    assert [r.kind for r in rs] == ["answered"]


def test_the_same_push_twice_gives_identical_receipts_and_a_late_push_keeps_its_own_time():
    body = peer_mod.call_report(CALL, "300000", "2025-03-01 10:00:15", dtmf="1")
    assert _parse(body) == _parse(body)
    [late] = _parse(peer_mod.call_report(CALL, "300000", "2025-03-01 09:59:59", dtmf="1"))
    assert late.at == _t(1, 59, 59)


def test_push_without_the_token_is_rejected():
    with pytest.raises(CallbackRejected):
        _parse(peer_mod.call_report(CALL, "300000", "2025-03-01 10:00:15", dtmf="1"), token="nope")
