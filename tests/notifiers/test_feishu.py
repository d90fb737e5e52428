"""Feishu custom bot against a loopback peer that checks Feishu's signature."""

from __future__ import annotations

import pytest

from notifiers.base import PermanentError, RateLimitedError, RetryableError
from notifiers.feishu import FeishuConfig, FeishuNotifier
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers.feishu import FeishuPeer

pytestmark = pytest.mark.anyio
TOKEN, SECRET, ACK = "hook-abc", "feishu-secret", "https://duty.example.gov.cn/ack/f1"


@pytest.fixture(scope="module")
def served():
    peer = FeishuPeer(TOKEN, SECRET)
    with serve(peer.app()) as url:
        yield peer, url


@pytest.fixture
def peer(served):
    p = served[0]
    p.mode, p.received, p.hits, p.gateway_429 = "ok", [], 0, False
    return p


@pytest.fixture
def notifier(served, client, clock):
    cfg = FeishuConfig(base_url=served[1], token=TOKEN, secret=SECRET, timeout=0.5)
    return FeishuNotifier(cfg, client=client, clock=clock)


async def test_text_arrives_signed(peer, notifier):
    await notifier.send(make_message())
    body = peer.last.json
    assert body["msg_type"] == "text"
    assert body["content"]["text"] == "【突发事件】城东化工厂火情\n城东化工厂 14:05 发生火情，请值班领导立即确认。"


async def test_card_has_an_ack_button(peer, notifier):
    await notifier.send(make_message(ack_url=ACK))
    card = peer.last.json["card"]
    assert peer.last.json["msg_type"] == "interactive"
    assert card["header"]["title"]["content"] == "【突发事件】城东化工厂火情"
    button = card["elements"][-1]["actions"][0]
    assert button["url"] == ACK and button["text"]["content"] == "确认收到"


async def test_long_card_fits_20kb_and_keeps_the_link(peer, notifier):
    await notifier.send(make_message(text="现场情况持续更新中。" * 1500, ack_url=ACK))
    raw = peer.last.body
    assert len(raw) <= 20 * 1024
    assert f"…（全文见 {ACK}）" in peer.last.json["card"]["elements"][0]["text"]["content"]


async def test_wrong_secret_fails_with_feishu_reason(served, peer, client, clock):
    cfg = FeishuConfig(base_url=served[1], token=TOKEN, secret="not-it")
    with pytest.raises(PermanentError) as err:
        await FeishuNotifier(cfg, client=client, clock=clock).send(make_message())
    assert err.value.code == "19021" and "sign match fail" in err.value.reason
    assert peer.received == []


async def test_rate_limit_codes(peer, notifier):
    peer.mode = "rate_limited"
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(make_message())
    assert err.value.code == "11232" and err.value.retry_after > 0
    peer.fail_with(9499, "too many request")
    with pytest.raises(RateLimitedError):
        await notifier.send(make_message())
    peer.fail_with(9499, "Bad Request")
    with pytest.raises(PermanentError):
        await notifier.send(make_message())


async def test_burst_throttle_refuses_the_6th_in_a_second_without_io(peer, notifier, clock):
    for _ in range(5):
        await notifier.send(make_message())
    with pytest.raises(RateLimitedError, match="local throttle"):
        await notifier.send(make_message())
    assert peer.hits == 5
    clock.advance(1.0)
    await notifier.send(make_message())
    assert len(peer.received) == 6


async def test_5xx_and_timeout_are_retryable(peer, notifier):
    peer.mode = "server_error"
    with pytest.raises(RetryableError):
        await notifier.send(make_message())
    peer.mode, peer.slow_seconds = "slow", 1.5
    with pytest.raises(RetryableError) as err:
        await notifier.send(make_message())
    assert err.value.code == "timeout"


async def test_wrong_token_is_permanent(served, client, clock):
    cfg = FeishuConfig(base_url=served[1], token="other", secret=SECRET)
    with pytest.raises(PermanentError, match="19001"):
        await FeishuNotifier(cfg, client=client, clock=clock).send(make_message())


async def test_gateway_429_waits_as_long_as_feishu_says(peer, notifier):
    peer.gateway_429 = True
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(make_message())
    assert err.value.retry_after == 52
