"""Aliyun SMS against a loopback gateway that checks ACS3 signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from notifiers import aliyun_sign
from notifiers.aliyun_sms import AliyunSmsConfig, AliyunSmsNotifier
from notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    Message,
    PermanentError,
    RateLimitedError,
    Recipient,
    RetryableError,
)
from tests.peers import aliyun as peer_mod
from tests.peers import serve


@pytest.fixture
def peer():
    p = peer_mod.AliyunPeer()
    with serve(p.app) as url:
        p.url = url
        yield p


def _notifier(peer, client, clock=None, **over) -> AliyunSmsNotifier:
    cfg = dict(base_url=peer.url, access_key_id="LTAI-test", access_key_secret="secret-test",
               sign_name="市应急值班室", template_code="SMS_100", callback_token="tok-1", timeout=0.5)
    cfg.update(over)
    kwargs = {"clock": clock} if clock else {}
    return AliyunSmsNotifier(AliyunSmsConfig(**cfg), client=client, **kwargs)


def _msg(mobile="+86 138 0000 0001", **over) -> Message:
    data = dict(idempotency_key="inc-1:1:p1:sms", recipient=Recipient(name="张三", mobile=mobile),
                text="突发事件：请立即回复", template_params={"event": "暴雨红色预警", "deadline": "30分钟"})
    data.update(over)
    return Message(**data)


def test_acs3_matches_aliyun_published_example():
    headers = aliyun_sign.sign_headers(
        method="POST", host="ecs.cn-shanghai.aliyuncs.com", path="/",
        query={"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"},
        body=b"", action="RunInstances", version="2014-05-26", access_key_id="YourAccessKeyId",
        access_key_secret="YourAccessKeySecret", date=datetime(2023, 10, 26, 10, 22, 32, tzinfo=UTC),
        nonce="3156853299f313e23d1673dc12e1703d",
    )
    assert headers["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        "x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_percent_encoding_follows_rfc3986():
    assert aliyun_sign.percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


@pytest.mark.anyio
async def test_sms_reaches_the_number_with_template_params(peer, client):
    result = await _notifier(peer, client).send(_msg())
    arrived = peer.received[-1]
    assert arrived["error"] is None and arrived["action"] == "SendSms"
    assert arrived["params"]["PhoneNumbers"] == "13800000001"
    assert arrived["params"]["SignName"] == "市应急值班室"
    assert arrived["params"]["TemplateCode"] == "SMS_100"
    assert json.loads(arrived["params"]["TemplateParam"]) == {"event": "暴雨红色预警", "deadline": "30分钟"}
    assert result.provider_message_id == "100^0"


@pytest.mark.anyio
async def test_wrong_secret_fails_permanently_with_the_providers_reason(peer, client):
    with pytest.raises(PermanentError) as err:
        await _notifier(peer, client, access_key_secret="not-the-secret").send(_msg())
    assert err.value.code == "SignatureDoesNotMatch"
    assert peer.received[-1]["error"] == "SignatureDoesNotMatch"


@pytest.mark.anyio
async def test_unknown_access_key_fails_permanently(peer, client):
    with pytest.raises(PermanentError) as err:
        await _notifier(peer, client, access_key_id="LTAI-nobody").send(_msg())
    assert err.value.code == "InvalidAccessKeyId.NotFound"


@pytest.mark.parametrize("code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL"])
@pytest.mark.anyio
async def test_http_200_with_error_code_is_a_permanent_failure(peer, client, code):
    peer.answer = f"code:{code}"
    with pytest.raises(PermanentError) as err:
        await _notifier(peer, client).send(_msg())
    assert err.value.code == code and code in err.value.reason


@pytest.mark.anyio
async def test_business_limit_control_reports_retry_after(peer, client):
    peer.answer = "code:isv.BUSINESS_LIMIT_CONTROL"
    with pytest.raises(RateLimitedError) as err:
        await _notifier(peer, client).send(_msg())
    assert err.value.retry_after == 60


@pytest.mark.anyio
async def test_server_error_and_slowness_are_retryable(peer, client):
    peer.answer = "500"
    with pytest.raises(RetryableError) as err:
        await _notifier(peer, client).send(_msg())
    assert err.value.code == "500"
    peer.answer, peer.delay = "slow", 2.0
    with pytest.raises(RetryableError) as err:
        await _notifier(peer, client).send(_msg(mobile="13800000002"))
    assert err.value.code == "timeout"


@pytest.mark.anyio
async def test_local_throttle_holds_a_second_sms_to_the_same_number_before_io(peer, client, clock):
    notifier = _notifier(peer, client, clock)
    await notifier.send(_msg())
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(_msg())
    assert 0 < err.value.retry_after <= 60
    assert len(peer.received) == 1
    clock.advance(61)
    await notifier.send(_msg())
    assert len(peer.received) == 2


def _cb(body: bytes, token: str | None = "tok-1") -> CallbackRequest:
    query = {"token": token} if token is not None else {}
    return CallbackRequest(url="https://duty.example/callbacks/aliyun_sms", query=query, body=body)


def test_delivery_receipt_and_failure_receipt():
    n = AliyunSmsNotifier(AliyunSmsConfig(access_key_id="a", access_key_secret="b", sign_name="s", callback_token="tok-1"))
    [ok] = n.parse_callback(_cb(peer_mod.sms_report("100^0", "13800000001")))
    assert (ok.kind, ok.provider_message_id, ok.at) == ("delivered", "100^0", datetime(2025, 2, 28, 18, 10, 5, tzinfo=UTC))
    [bad] = n.parse_callback(_cb(peer_mod.sms_report("100^0", "13800000001", success=False, err_code="MK:0001")))
    assert bad.kind == "failed" and "MK:0001" in bad.detail


def test_upstream_reply_becomes_a_reply_receipt():
    n = AliyunSmsNotifier(AliyunSmsConfig(access_key_id="a", access_key_secret="b", sign_name="s", callback_token="tok-1"))
    [reply] = n.parse_callback(_cb(peer_mod.sms_up("13800000001", "1 收到")))
    assert (reply.kind, reply.from_address, reply.text) == ("reply", "13800000001", "1 收到")


@pytest.mark.parametrize("token", [None, "wrong", ""])
def test_callback_without_the_right_token_is_rejected(token):
    n = AliyunSmsNotifier(AliyunSmsConfig(access_key_id="a", access_key_secret="b", sign_name="s", callback_token="tok-1"))
    with pytest.raises(CallbackRejected):
        n.parse_callback(_cb(peer_mod.sms_report("1", "13800000001"), token=token))


def test_callbacks_are_refused_when_no_token_is_configured():
    n = AliyunSmsNotifier(AliyunSmsConfig(access_key_id="a", access_key_secret="b", sign_name="s"))
    with pytest.raises(CallbackRejected):
        n.parse_callback(_cb(peer_mod.sms_report("1", "13800000001"), token=""))


def test_describe_hides_the_secret():
    n = AliyunSmsNotifier(AliyunSmsConfig(access_key_id="a", access_key_secret="very-secret", sign_name="s"))
    assert "very-secret" not in n.describe()
