"""WeCom group robot and WeCom app message against a loopback qyapi peer."""

from __future__ import annotations

import pytest

from notifiers.base import PermanentError, RateLimitedError, RetryableError
from notifiers.wecom import WeComConfig, WeComNotifier
from notifiers.wecom_app import WeComAppConfig, WeComAppNotifier
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers.wecom import WeComPeer

pytestmark = pytest.mark.anyio
KEY, CORP, SECRET, AGENT = "robot-key-1", "ww123", "app-secret", 1000002
ACK = "https://duty.example.gov.cn/ack/xyz"


@pytest.fixture(scope="module")
def served():
    peer = WeComPeer(KEY, CORP, SECRET, AGENT, members=("zhangwei",))
    with serve(peer.app()) as url:
        yield peer, url


@pytest.fixture
def peer(served):
    p = served[0]
    p.mode, p.received, p.hits = "ok", [], 0
    return p


@pytest.fixture
def robot(served, client, clock):
    return WeComNotifier(WeComConfig(base_url=served[1], key=KEY, timeout=0.5), client=client, clock=clock)


@pytest.fixture
def app_notifier(served, client, clock):
    cfg = WeComAppConfig(base_url=served[1], corp_id=CORP, corp_secret=SECRET, agent_id=AGENT)
    return WeComAppNotifier(cfg, client=client, clock=clock)


async def test_robot_text_mentions_by_mobile(peer, robot):
    await robot.send(make_message(mention_mobiles=["13800138000"], ack_url=ACK))
    text = peer.last.json["text"]
    assert text["mentioned_mobile_list"] == ["13800138000"]
    assert "城东化工厂" in text["content"] and text["content"].endswith(ACK)


async def test_robot_markdown_with_ack_link(peer, robot):
    await robot.send(make_message(markdown="**火情**：城东化工厂", ack_url=ACK))
    assert peer.last.json["msgtype"] == "markdown"
    assert f"[确认收到]({ACK})" in peer.last.json["markdown"]["content"]


async def test_robot_long_text_is_cut_to_2048_bytes_keeping_the_link(peer, robot):
    await robot.send(make_message(text="火情通报。" * 600, ack_url=ACK, mention_mobiles=["13800138000"]))
    content = peer.last.json["text"]["content"]
    raw = content.encode("utf-8")
    assert len(raw) <= 2048 and raw.decode("utf-8") == content
    assert f"…（全文见 {ACK}）" in content


async def test_robot_wrong_key_and_rate_limit(served, peer, robot, client, clock):
    bad = WeComNotifier(WeComConfig(base_url=served[1], key="stolen"), client=client, clock=clock)
    with pytest.raises(PermanentError) as err:
        await bad.send(make_message())
    assert err.value.code == "93000" and "invalid webhook url" in err.value.reason
    peer.mode = "rate_limited"
    with pytest.raises(RateLimitedError) as err:
        await robot.send(make_message())
    assert err.value.code == "45009" and err.value.retry_after == 60


async def test_robot_throttle_refuses_21st_without_io(peer, robot):
    for _ in range(20):
        await robot.send(make_message())
    with pytest.raises(RateLimitedError, match="local throttle"):
        await robot.send(make_message())
    assert peer.hits == 20


async def test_robot_server_error_retryable(peer, robot):
    peer.mode = "server_error"
    with pytest.raises(RetryableError) as err:
        await robot.send(make_message())
    assert err.value.code == "503"


async def test_app_textcard_to_member_with_message_id(peer, app_notifier):
    result = await app_notifier.send(make_message(ack_url=ACK))
    body = peer.last.json
    assert body["touser"] == "zhangwei" and body["agentid"] == AGENT
    assert body["textcard"]["url"] == ACK and body["textcard"]["title"] == "【突发事件】城东化工厂火情"
    assert result.provider_message_id and result.provider_message_id.startswith("msg-")


async def test_app_token_is_cached_and_refreshed_once_when_expired(peer, app_notifier):
    before = peer.token_requests
    await app_notifier.send(make_message())
    await app_notifier.send(make_message())
    assert peer.token_requests == before + 1
    peer.expire_tokens()
    await app_notifier.send(make_message(text="第三条"))
    assert peer.token_requests == before + 2
    assert peer.last.json["text"]["content"].endswith("第三条")


async def test_app_unknown_member_and_bad_secret_are_permanent(served, peer, app_notifier, client, clock):
    with pytest.raises(PermanentError, match="81013"):
        await app_notifier.send(make_message(recipient={"name": "李四", "wecom_id": "lisi"}))
    cfg = WeComAppConfig(base_url=served[1], corp_id=CORP, corp_secret="wrong", agent_id=AGENT)
    with pytest.raises(PermanentError, match="invalid credential"):
        await WeComAppNotifier(cfg, client=client, clock=clock).send(make_message())
    with pytest.raises(PermanentError, match="企业微信账号"):
        await app_notifier.send(make_message(recipient={"name": "无账号"}))
