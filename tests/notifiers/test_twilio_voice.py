"""Twilio voice calls against a loopback Calls API, and signed Twilio callbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from notifiers.twilio_voice import (
    TwilioVoiceConfig,
    TwilioVoiceNotifier,
    twilio_signature,
)
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers import twilio as peer_mod

SID = "AC" + "0" * 32
CB = "https://duty.example/callbacks/twilio_voice/d-17"


@pytest.fixture
def peer():
    p = peer_mod.TwilioPeer()
    with serve(p.app) as url:
        p.url = url
        yield p


def _config(url: str = "https://api.twilio.com", **over) -> TwilioVoiceConfig:
    cfg = dict(base_url=url, account_sid=SID, auth_token="token-test", from_number="+15005550006", timeout=0.5)
    cfg.update(over)
    return TwilioVoiceConfig(**cfg)


def test_signature_matches_twilio_python_vector():
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
              ("From", "+14158675309"), ("To", "+18005551212")]
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@pytest.mark.anyio
async def test_call_reads_the_alert_and_gathers_one_key_within_30_seconds(peer, client):
    msg = make_message(voice_text="城东化工厂发生火情，确认请按1", callback_url=CB)
    result = await TwilioVoiceNotifier(_config(peer.url), client=client).send(msg)
    arrived = peer.received[-1]
    assert arrived["authorized"]
    form = dict(arrived["form"])
    assert (form["To"], form["From"]) == ("+8613800138000", "+15005550006")
    assert '<Gather numDigits="1" timeout="30" action="https://duty.example/callbacks/twilio_voice/d-17"' in form["Twiml"]
    assert '<Say language="zh-CN">城东化工厂发生火情，确认请按1</Say>' in form["Twiml"]
    assert form["StatusCallback"] == CB
    events = [v for k, v in arrived["form"] if k == "StatusCallbackEvent"]
    assert events == ["initiated", "ringing", "answered", "completed"]
    assert result.provider_message_id.startswith("CA")


@pytest.mark.anyio
async def test_text_is_xml_escaped(peer, client):
    await TwilioVoiceNotifier(_config(peer.url), client=client).send(make_message(voice_text="A<B & C"))
    assert "A&lt;B &amp; C" in dict(peer.received[-1]["form"])["Twiml"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answer", "over", "error", "code"),
    [("ok", {"auth_token": "wrong"}, PermanentError, "20003"),
     ("invalid_number", {}, PermanentError, "21211"),
     ("throttle", {}, RateLimitedError, "20429"),
     ("500", {}, RetryableError, "500"),
     ("slow", {}, RetryableError, "timeout")],
)
async def test_provider_answers_map_to_typed_errors(peer, client, answer, over, error, code):
    peer.answer = answer
    with pytest.raises(error) as err:
        await TwilioVoiceNotifier(_config(peer.url, **over), client=client).send(make_message())
    assert err.value.code == code
    if error is RateLimitedError:
        assert err.value.retry_after == 2


def _parse(params: dict[str, str], *, token: str = "token-test", url: str = CB, tamper: bool = False):
    headers, body = peer_mod.callback(url, token, params)
    if tamper:
        body = urlencode({**params, "Digits": "2"} if "Digits" in params else {**params, "CallStatus": "completed"}).encode()
    return TwilioVoiceNotifier(_config()).parse_callback(CallbackRequest(url=url, headers=headers, body=body))


def test_answered_then_key_1_becomes_answered_and_key_press():
    events = peer_mod.call_events("answered_key_1", "CA01")
    ringing, answered, gather, completed = (_parse(e) for e in events)
    assert ringing == []
    assert [(r.kind, r.at) for r in answered] == [("answered", datetime(2025, 3, 1, 2, 0, 6, tzinfo=UTC))]
    assert [(r.kind, r.key, r.provider_message_id) for r in gather] == [("key_press", "1", "CA01")]
    assert [r.kind for r in completed] == ["answered"]


@pytest.mark.parametrize(("scenario", "kind"), [("no_answer", "no_answer"), ("busy", "busy"), ("failure", "failed")])
def test_unanswered_calls(scenario, kind):
    [r] = _parse(peer_mod.call_events(scenario, "CA02")[-1])
    assert (r.kind, r.provider_message_id) == (kind, "CA02")


def test_the_same_callback_twice_gives_identical_receipts_and_late_ones_keep_their_time():
    event = peer_mod.call_events("busy", "CA03")[-1]
    assert _parse(event) == _parse(event)
    late = {**event, "Timestamp": "Sat, 01 Mar 2025 01:00:00 +0000"}
    assert _parse(late)[0].at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def test_signature_over_the_default_port_is_accepted():
    headers, body = peer_mod.callback("https://duty.example:443/callbacks/twilio_voice/d-17", "token-test",
                                      peer_mod.call_events("busy", "CA04")[-1])
    n = TwilioVoiceNotifier(_config())
    assert n.parse_callback(CallbackRequest(url=CB, headers=headers, body=body))[0].kind == "busy"


@pytest.mark.parametrize("how", ["wrong_token", "tampered", "other_url", "missing"])
def test_callback_with_a_bad_signature_is_rejected(how):
    event = peer_mod.call_events("answered_key_1", "CA05")[2]
    with pytest.raises(CallbackRejected):
        if how == "wrong_token":
            _parse(event, token="not-the-token")
        elif how == "tampered":
            _parse(event, tamper=True)
        elif how == "other_url":
            headers, body = peer_mod.callback("https://evil.example/x", "token-test", event)
            TwilioVoiceNotifier(_config()).parse_callback(CallbackRequest(url=CB, headers=headers, body=body))
        else:
            TwilioVoiceNotifier(_config()).parse_callback(CallbackRequest(url=CB, body=urlencode(event).encode()))


def test_get_callback_is_verified_over_its_url_and_read_from_the_query():
    params = peer_mod.call_events("no_answer", "CA06")[-1]
    url = f"{CB}?{urlencode(params)}"
    headers = {"X-Twilio-Signature": peer_mod.sign("token-test", url, [])}
    req = CallbackRequest(method="GET", url=url, headers=headers, query=params)
    [r] = TwilioVoiceNotifier(_config()).parse_callback(req)
    assert (r.kind, r.provider_message_id) == ("no_answer", "CA06")


@pytest.mark.anyio
async def test_a_call_that_asks_for_a_duty_code_gathers_the_confirm_key_and_the_code_up_to_hash(peer, client):
    """A spot check that asks for the answerer's 值班识别码: a one-digit Gather would end the call at "1", so the
    code could never be keyed; the call gathers until # and the callback carries all the keys."""
    msg = make_message(voice_text="值班抽查，请按1确认在岗；按1后请输入您的值班识别码，以井号键结束", callback_url=CB,
                       collect_code=True)
    await TwilioVoiceNotifier(_config(peer.url), client=client).send(msg)
    twiml = dict(peer.received[-1]["form"])["Twiml"]
    assert '<Gather finishOnKey="#" timeout="30"' in twiml and "numDigits" not in twiml
    gather = {k: v for k, v in peer_mod.call_events("answered_key_1", "CA09")[2].items()}
    [r] = _parse({**gather, "Digits": "14821", "FinishedOnKey": "#"})
    assert (r.kind, r.key, r.text) == ("key_press", "1", "14821")
