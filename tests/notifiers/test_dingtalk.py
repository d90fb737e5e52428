"""DingTalk robot against a loopback peer that checks the signature like DingTalk does."""

from __future__ import annotations

import pytest

from notifiers.base import PermanentError, RateLimitedError, RetryableError
from notifiers.dingtalk import DingTalkConfig, DingTalkNotifier
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers.dingtalk import DingTalkPeer

pytestmark = pytest.mark.anyio
TOKEN, SECRET = "tok-123", "SEC0123456789abcdef+/="


@pytest.fixture(scope="module")
def served():
    peer = DingTalkPeer(TOKEN, SECRET)
    with serve(peer.app()) as url:
        yield peer, url


@pytest.fixture
def peer(served):
    p = served[0]
    p.mode, p.received, p.hits = "ok", [], 0
    return p


@pytest.fixture
def notifier(served, client, clock):
    cfg = DingTalkConfig(base_url=served[1], access_token=TOKEN, secret=SECRET, timeout=0.5)
    return DingTalkNotifier(cfg, client=client, clock=clock)


async def test_text_arrives_signed_with_mentions(peer, notifier):
    result = await notifier.send(make_message(mention_mobiles=["13800138000"]))
    body = peer.last.json
    assert body["msgtype"] == "text"
    assert "城东化工厂 14:05 发生火情" in body["text"]["content"]
    assert "@13800138000" in body["text"]["content"]
    assert body["at"]["atMobiles"] == ["13800138000"]
    assert result.status == "sent"


async def test_ack_link_becomes_action_card_button(peer, notifier):
    await notifier.send(make_message(ack_url="https://duty.example.gov.cn/ack/abc"))
    card = peer.last.json["actionCard"]
    assert peer.last.json["msgtype"] == "actionCard"
    assert card["singleURL"] == "https://duty.example.gov.cn/ack/abc"
    assert card["singleTitle"] == "确认收到"


async def test_ack_link_with_mentions_keeps_the_mention(peer, notifier):
    await notifier.send(make_message(ack_url="https://duty.example.gov.cn/ack/abc", mention_mobiles=["13900000000"]))
    body = peer.last.json
    assert body["msgtype"] == "markdown"
    assert "@13900000000" in body["markdown"]["text"]
    assert "(https://duty.example.gov.cn/ack/abc)" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13900000000"]


async def test_wrong_secret_fails_permanently_with_dingtalk_reason(served, peer, client, clock):
    cfg = DingTalkConfig(base_url=served[1], access_token=TOKEN, secret="SECwrong")
    with pytest.raises(PermanentError) as err:
        await DingTalkNotifier(cfg, client=client, clock=clock).send(make_message())
    assert err.value.code == "310000" and "sign not match" in err.value.reason
    assert peer.received == []


async def test_keyword_is_added_when_the_robot_requires_one(served, client, clock):
    kw_peer = DingTalkPeer(TOKEN, None, keyword="值班")
    with serve(kw_peer.app()) as url:
        plain = DingTalkNotifier(DingTalkConfig(base_url=url, access_token=TOKEN), client=client, clock=clock)
        with pytest.raises(PermanentError, match="keywords not in content"):
            await plain.send(make_message(subject="火情", text="城东起火"))
        cfg = DingTalkConfig(base_url=url, access_token=TOKEN, keyword="值班")
        await DingTalkNotifier(cfg, client=client, clock=clock).send(make_message(subject="火情", text="城东起火"))
    assert kw_peer.last.json["text"]["content"].startswith("【值班】火情")


async def test_provider_rate_limit_surfaces_retry_after(peer, notifier):
    peer.mode = "rate_limited"
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(make_message())
    assert err.value.code == "130101" and err.value.retry_after == 600


async def test_throttle_refuses_the_21st_in_a_minute_without_io(peer, notifier, clock):
    for _ in range(20):
        await notifier.send(make_message())
    with pytest.raises(RateLimitedError) as err:
        await notifier.send(make_message())
    assert peer.hits == 20 and 0 < err.value.retry_after <= 60
    clock.advance(60)
    await notifier.send(make_message())
    assert len(peer.received) == 21


async def test_server_error_and_timeout_are_retryable(peer, notifier):
    peer.mode = "server_error"
    with pytest.raises(RetryableError) as err:
        await notifier.send(make_message())
    assert err.value.code == "502"
    peer.mode, peer.slow_seconds = "slow", 1.5
    with pytest.raises(RetryableError) as err:
        await notifier.send(make_message())
    assert err.value.code == "timeout"


async def test_busy_is_retryable_and_bad_token_permanent(served, peer, notifier, client, clock):
    peer.fail_with(-1, "系统繁忙")
    with pytest.raises(RetryableError):
        await notifier.send(make_message())
    peer.mode = "ok"
    cfg = DingTalkConfig(base_url=served[1], access_token="nope", secret=SECRET)
    with pytest.raises(PermanentError, match="token is not exist"):
        await DingTalkNotifier(cfg, client=client, clock=clock).send(make_message())
