"""Provider callbacks that cannot bend a delivery: replays add nothing, state only moves forward, batches are capped,
a disabled channel refuses."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from core.settings import Settings
from models.deliveries import ChannelConfigUpdate, Delivery, DeliveryAttempt
from notifiers.twilio_voice import twilio_signature
from services import deliveries
from tests.deliveries.test_web import SID, _channel, _sent

URL = "http://testserver/callbacks/voice"
SMS = {"access_key_id": "ak", "access_key_secret": "sk", "sign_name": "值班室", "callback_token": "cb-tok"}


@pytest.fixture
def key(app) -> str:
    return app.state.settings.secret_key.get_secret_value()


@pytest.fixture(autouse=True)
def backup(session, key):
    """The ladder's next rung."""
    _channel(session, key, "backup", "inbox", {})


@pytest.fixture
def voice(session, key):
    _channel(session, key, "voice", "twilio_voice", {"account_sid": SID, "auth_token": "tw-token", "from_number": "+1500"})


def twilio(client, form, event=None):
    headers = {"X-Twilio-Signature": twilio_signature("tw-token", URL, form),
               "Content-Type": "application/x-www-form-urlencoded"}
    if event:
        headers["I-Twilio-Idempotency-Token"] = event
    return client.post("/callbacks/voice", content=urlencode(form), headers=headers)


def attempts(session, d) -> int:
    return session.exec(select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)).one()


def test_a_late_no_answer_never_undoes_an_acknowledged_call(client, session, voice):
    d = _sent(session, "voice", "CA7", ladder=["voice", "backup"])
    assert twilio(client, [("CallSid", "CA7"), ("Digits", "1")], "ev-1").status_code == 200
    session.refresh(d)
    assert d.state == "delivered" and d.acked_at is not None
    r = twilio(client, [("CallSid", "CA7"), ("CallStatus", "no-answer")], "ev-2")
    assert r.status_code == 200
    session.refresh(d)
    assert d.state == "delivered" and d.acked_at is not None and d.superseded_by is None
    last = session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                        .order_by(DeliveryAttempt.at.desc())).first()
    assert "迟到" in last.error  # recorded, for the record, but it changed nothing


def test_a_late_failure_never_undoes_a_delivered_sms(client, session, key):
    _channel(session, key, "sms", "aliyun_sms", SMS)
    d = _sent(session, "sms", "BIZ-9", ladder=["sms", "backup"])
    ok = [{"phone_number": "13800138000", "success": True, "biz_id": "BIZ-9", "report_time": "2026-07-01 10:00:00"}]
    bad = [{"phone_number": "13800138000", "success": False, "biz_id": "BIZ-9", "err_code": "X",
            "report_time": "2026-07-01 10:05:00"}]
    assert client.post("/callbacks/sms?token=cb-tok", json=ok).status_code == 200
    assert client.post("/callbacks/sms?token=cb-tok", json=bad).status_code == 200
    session.refresh(d)
    assert d.state == "delivered" and d.superseded_by is None


def test_a_replayed_callback_adds_no_row_and_changes_nothing(client, session, voice):
    d = _sent(session, "voice", "CA8", ladder=["voice", "backup"])
    form = [("CallSid", "CA8"), ("CallStatus", "busy")]
    assert twilio(client, form, "ev-busy").status_code == 200
    session.refresh(d)
    after_first = (d.state, d.attempts, attempts(session, d), session.exec(select(func.count()).select_from(Delivery)).one())
    for _ in range(3):  # Twilio retrying the webhook, or someone replaying a captured one
        assert twilio(client, form, "ev-busy").status_code == 200
    session.refresh(d)
    assert (d.state, d.attempts, attempts(session, d),
            session.exec(select(func.count()).select_from(Delivery)).one()) == after_first


def test_without_a_provider_event_id_the_same_report_is_the_same_event(client, session, key):
    _channel(session, key, "sms", "aliyun_sms", SMS)
    d = _sent(session, "sms", "BIZ-3", ladder=["sms", "backup"])
    report = [{"phone_number": "13800138000", "success": False, "biz_id": "BIZ-3", "err_code": "BUSY",
               "report_time": "2026-07-01 10:00:00"}]
    for _ in range(3):
        assert client.post("/callbacks/sms?token=cb-tok", json=report).status_code == 200
    assert attempts(session, d) == 1
    assert session.exec(select(func.count()).select_from(Delivery)).one() == 2  # one next rung, not three


def test_a_callback_with_too_many_receipts_is_413_and_applies_none(engine, session, tmp_path):
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"}, web={"callback_max_receipts": 3})
    app = build_web_app(settings, engine, session_factory=same_session)
    key = settings.secret_key.get_secret_value()
    _channel(session, key, "sms", "aliyun_sms", SMS)
    rows = [_sent(session, "sms", f"BIZ-{i}") for i in range(4)]
    report = [{"phone_number": "13800138000", "success": True, "biz_id": f"BIZ-{i}", "report_time": "2026-07-01 10:00:00"}
              for i in range(4)]
    with TestClient(app) as client:
        r = client.post("/callbacks/sms?token=cb-tok", json=report)
        assert r.status_code == 413 and "最多 3 条" in r.text  # zh-CN unless English is asked
        r = client.post("/callbacks/sms?token=cb-tok", json=report, headers={"Accept-Language": "en"})
        assert r.status_code == 413 and "at most 3" in r.text
        for d in rows:
            session.refresh(d)
            assert d.state == "sent"
        assert client.post("/callbacks/sms?token=cb-tok", json=report[:3]).status_code == 200


def test_a_disabled_channel_refuses_its_callbacks(client, session, voice, key):
    d = _sent(session, "voice", "CA9")
    deliveries.update_channel(session=session, name="voice", data=ChannelConfigUpdate(enabled=False),
                              actor="test", key=key)
    session.commit()
    r = twilio(client, [("CallSid", "CA9"), ("Digits", "1")], "ev-9")
    assert r.status_code == 403 and "已停用" in r.text
    session.refresh(d)
    assert d.state == "sent" and d.acked_at is None and attempts(session, d) == 0


@pytest.mark.parametrize("body", [b'[{"biz_id": "BIZ-1", "succ', b'"just a string"', b"[1, 2]"])
def test_a_malformed_body_with_the_right_token_is_400_not_401(client, session, key, body):
    """Issue 13 (M7): a provider reads 401 as wrong credentials; a body it got wrong is 400 with the reason."""
    _channel(session, key, "sms", "aliyun_sms", SMS)
    assert client.post("/callbacks/sms?token=wrong", content=body).status_code == 401
    r = client.post("/callbacks/sms?token=cb-tok", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["detail"]


def test_an_unknown_event_with_the_right_token_is_malformed_not_rejected():
    from notifiers.base import CallbackMalformed, CallbackRequest
    from notifiers.simulated_voice import SimulatedVoiceNotifier

    notifier = SimulatedVoiceNotifier(SimulatedVoiceNotifier.Config(callback_token="tok"))
    with pytest.raises(CallbackMalformed, match="事件未知"):
        notifier.parse_callback(CallbackRequest(url="http://x/cb?token=tok", query={"token": "tok"},
                                                body=b'{"call_id": "c1", "event": "exploded"}'))
