"""Tencent Cloud SMS against a loopback endpoint that checks TC3 signatures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifiers.base import (
    CallbackRejected,
    CallbackRequest,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from notifiers.tencent_sms import (
    TencentSmsConfig,
    TencentSmsNotifier,
    tc3_authorization,
)
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers import tencent as peer_mod


@pytest.fixture
def peer():
    p = peer_mod.TencentPeer()
    with serve(p.app) as url:
        p.url = url
        yield p


def _config(url: str = "https://sms.tencentcloudapi.com", **over) -> TencentSmsConfig:
    cfg = dict(base_url=url, secret_id="AKID-test", secret_key="key-test", sms_sdk_app_id="1400000001",
               sign_name="市应急值班室", template_id="2001", callback_token="tok-t", timeout=0.5)
    cfg.update(over)
    return TencentSmsConfig(**cfg)


def test_tc3_matches_tencent_published_example():
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    auth = tc3_authorization(secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                             service="cvm", host="cvm.tencentcloudapi.com", payload=payload, timestamp=1551113065)
    assert auth == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


@pytest.mark.anyio
async def test_sms_reaches_the_number_with_template_params_in_order(peer, client):
    msg = make_message(template_params={"2": "30分钟", "1": "城东化工厂火情", "10": "张伟"})
    result = await TencentSmsNotifier(_config(peer.url), client=client).send(msg)
    arrived = peer.received[-1]
    assert arrived["error"] is None
    assert (arrived["action"], arrived["version"], arrived["region"]) == ("SendSms", "2021-01-11", "ap-guangzhou")
    body = arrived["body"]
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert (body["SmsSdkAppId"], body["SignName"], body["TemplateId"]) == ("1400000001", "市应急值班室", "2001")
    assert body["TemplateParamSet"] == ["城东化工厂火情", "30分钟", "张伟"]
    assert result.provider_message_id == "2640:10001"


@pytest.mark.anyio
async def test_wrong_key_fails_with_the_providers_reason(peer, client):
    with pytest.raises(PermanentError) as err:
        await TencentSmsNotifier(_config(peer.url, secret_key="guess"), client=client).send(make_message())
    assert err.value.code == "AuthFailure.SignatureFailure"
    with pytest.raises(PermanentError) as err:
        await TencentSmsNotifier(_config(peer.url, secret_id="AKID-nobody"), client=client).send(make_message())
    assert err.value.code == "AuthFailure.SecretIdNotFound"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answer", "error", "code", "wait"),
    [("status:LimitExceeded.PhoneNumberThirtySecondLimit", RateLimitedError, "LimitExceeded.PhoneNumberThirtySecondLimit", 30),
     ("error:RequestLimitExceeded", RateLimitedError, "RequestLimitExceeded", 1),
     ("status:InvalidParameterValue.IncorrectPhoneNumber", PermanentError, "InvalidParameterValue.IncorrectPhoneNumber", None),
     ("error:InternalError", RetryableError, "InternalError", None),
     ("500", RetryableError, "502", None),
     ("slow", RetryableError, "timeout", None)],
)
async def test_provider_answers_map_to_typed_errors(peer, client, answer, error, code, wait):
    peer.answer = answer
    with pytest.raises(error) as err:
        await TencentSmsNotifier(_config(peer.url), client=client).send(make_message())
    assert err.value.code == code
    if wait is not None:
        assert err.value.retry_after == wait


def _parse(body: bytes, token: str | None = "tok-t"):
    query = {"token": token} if token is not None else {}
    req = CallbackRequest(url="https://duty.example/cb/tencent_sms", query=query, body=body)
    return TencentSmsNotifier(_config()).parse_callback(req)


def test_status_reports_become_delivered_and_failed_receipts():
    [ok] = _parse(peer_mod.status_report("2640:10001", "13800138000"))
    assert (ok.kind, ok.provider_message_id, ok.at) == ("delivered", "2640:10001", datetime(2025, 2, 28, 18, 10, 5, tzinfo=UTC))
    [bad] = _parse(peer_mod.status_report("2640:10001", "13800138000", success=False, errmsg="MI:0013"))
    assert bad.kind == "failed" and "MI:0013" in bad.detail


def test_reply_becomes_a_reply_receipt():
    [r] = _parse(peer_mod.reply("13800138000", "收到 1"))
    assert (r.kind, r.from_address, r.text, r.at) == ("reply", "13800138000", "收到 1", datetime.fromtimestamp(1740766320, UTC))


@pytest.mark.parametrize("token", [None, "bad"])
def test_callback_without_the_right_token_is_rejected(token):
    with pytest.raises(CallbackRejected):
        _parse(peer_mod.status_report("x", "13800138000"), token=token)
