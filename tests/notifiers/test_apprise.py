"""The Apprise bridge posting through Apprise's json:// plugin to the loopback sink."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from notifiers.apprise_bridge import AppriseConfig, AppriseNotifier
from notifiers.base import PermanentError, RetryableError
from tests.notifiers.conftest import make_message
from tests.peers import serve
from tests.peers.webhook_sink import WebhookSink

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def served():
    sink = WebhookSink()
    with serve(sink.app()) as url:
        yield sink, url.replace("http://", "json://")


@pytest.fixture
def sink(served):
    s = served[0]
    s.mode, s.received, s.hits = "ok", [], 0
    return s


async def test_message_arrives_and_is_only_accepted(served, sink):
    url = served[1] + "/apprise?retry=3"
    result = await AppriseNotifier(AppriseConfig(url=SecretStr(url))).send(
        make_message(ack_url="https://duty.example.gov.cn/ack/a1"))
    assert result.status == "accepted" and "未经服务方确认" in result.detail
    got = sink.last.json
    assert got["title"] == "【突发事件】城东化工厂火情"
    assert "城东化工厂 14:05" in got["message"] and got["message"].endswith("https://duty.example.gov.cn/ack/a1")


async def test_failure_is_retryable_and_not_retried_by_apprise(served, sink):
    sink.mode = "server_error"
    notifier = AppriseNotifier(AppriseConfig(url=SecretStr(served[1] + "/apprise?retry=3")))
    with pytest.raises(RetryableError) as err:
        await notifier.send(make_message())
    assert "503" in err.value.reason
    assert sink.hits == 1  # the URL asked for 3 retries; the dispatcher owns retrying


async def test_recipient_address_overrides_and_bad_url_is_permanent(served, sink):
    await AppriseNotifier(AppriseConfig()).send(
        make_message(recipient={"name": "值班员", "address": served[1] + "/person"}))
    assert sink.last.path == "/person"
    with pytest.raises(PermanentError):
        await AppriseNotifier(AppriseConfig(url=SecretStr("nosuchscheme://x"))).send(make_message())
