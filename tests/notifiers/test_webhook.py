"""Standard Webhooks sender and verifier against an independent loopback receiver."""

from __future__ import annotations

import base64
import time

import pytest

from notifiers.base import (
    CallbackRejected,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from notifiers.webhook import WebhookConfig, WebhookNotifier, verify_standard_webhook
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers.webhook_sink import WebhookSink

pytestmark = pytest.mark.anyio
SECRET = "whsec_" + base64.b64encode(b"sixteen byte key and then some").decode()
ACK = "https://duty.example.gov.cn/ack/w1"


@pytest.fixture(scope="module")
def served():
    sink = WebhookSink(SECRET)
    with serve(sink.app()) as url:
        yield sink, url


@pytest.fixture
def sink(served):
    s = served[0]
    s.mode, s.received, s.hits = "ok", [], 0
    return s


@pytest.fixture
def notifier(served, client, clock):
    cfg = WebhookConfig(base_url=served[1] + "/hooks/duty", secret=SECRET, timeout=0.5)
    return WebhookNotifier(cfg, client=client, clock=clock)


async def test_signed_json_arrives_with_idempotency_key_as_id(sink, notifier):
    message = make_message(ack_url=ACK, markdown="**火情**")
    result = await notifier.send(message)
    got = sink.last
    assert got.path == "/hooks/duty" and got.headers["webhook-id"] == message.idempotency_key
    assert got.json["subject"] == "【突发事件】城东化工厂火情" and got.json["ack_url"] == ACK
    assert got.json["markdown"] == "**火情**" and got.json["recipient"]["name"] == "张伟"
    assert result.provider_message_id == message.idempotency_key
    # the helper the web layer reuses accepts exactly what the sink accepted
    assert verify_standard_webhook(SECRET, got.headers, got.body, now=time.time())["text"] == message.text


async def test_wrong_secret_is_refused_permanently(served, sink, client, clock):
    other = "whsec_" + base64.b64encode(b"another key entirely").decode()
    cfg = WebhookConfig(base_url=served[1] + "/hooks/duty", secret=other)
    with pytest.raises(PermanentError) as err:
        await WebhookNotifier(cfg, client=client, clock=clock).send(make_message())
    assert err.value.code == "401" and "invalid signature" in err.value.reason


async def test_receiver_errors_map_to_retry_or_wait(sink, notifier):
    sink.mode = "rate_limited"
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(make_message())
    assert err.value.retry_after == 30
    sink.mode = "server_error"
    with pytest.raises(RetryableError, match="503"):
        await notifier.send(make_message())
    sink.mode, sink.slow_seconds = "slow", 1.5
    with pytest.raises(RetryableError) as err:
        await notifier.send(make_message())
    assert err.value.code == "timeout"


def test_verify_rejects_tampering_staleness_and_missing_headers():
    from notifiers.webhook import signature

    body, ts = b'{"text":"x"}', 1_700_000_000
    headers = {"Webhook-Id": "m1", "Webhook-Timestamp": str(ts),
               "Webhook-Signature": "v1,bogus " + signature(SECRET, "m1", ts, body)}
    assert verify_standard_webhook(SECRET, headers, body, now=ts + 299) == {"text": "x"}
    with pytest.raises(CallbackRejected, match="signature"):
        verify_standard_webhook(SECRET, headers, b'{"text":"y"}', now=ts)
    with pytest.raises(CallbackRejected, match="tolerance"):
        verify_standard_webhook(SECRET, headers, body, now=ts + 301)
    with pytest.raises(CallbackRejected, match="missing"):
        verify_standard_webhook(SECRET, {"webhook-id": "m1"}, body, now=ts)
