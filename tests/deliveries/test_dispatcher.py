"""The dispatcher end to end: real HTTP to loopback sinks, the inbox, faults, a crash."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from sqlmodel import Session, select

from core.settings import Settings
from dutydesk.composition import ALERT_SOURCES
from engine.dispatcher import Dispatcher
from models.deliveries import Delivery
from rules.deliveries import RetryPolicy
from services import alerts, deliveries
from tests.deliveries.conftest import KEY
from tests.deliveries.flaky_sink import FlakySink
from tests.deliveries.live import live_channels
from tests.peers import serve
from tests.peers.webhook_sink import WebhookSink
from tests.peers.wecom import WeComPeer

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
FAST = RetryPolicy(base_seconds=0.02, cap_seconds=0.1, max_retryable=3)


def _enqueue(engine, tag: str, n: int, **kw) -> None:
    with Session(engine) as s:
        for i in range(n):
            deliveries.enqueue(session=s, source="test", source_id=f"{tag}-{i}", step="1", address=kw.get("address"),
                               recipient={"name": f"收件人{i}"}, channel=kw.get("channel"), ladder=kw.get("ladder"),
                               subject="【测试】", text=f"第{i}条消息" + kw.get("extra", ""))
        s.commit()


def _rows(engine, tag: str) -> list[Delivery]:
    with Session(engine) as s:
        return list(s.exec(select(Delivery).where(Delivery.source_id.startswith(tag))))


def _run(engine, timeout: float = 30, **kw) -> int:
    d = Dispatcher(engine, key=KEY, public_url="http://duty.example", poll=0.05, policy=kw.pop("policy", FAST), **kw)
    return asyncio.run(d.run_until_idle(timeout=timeout))


def test_signed_webhooks_reach_the_sink_once_each(engine):
    sink = WebhookSink(secret=SECRET)
    with serve(sink.app()) as url, live_channels(engine, dict(
            name="hook_ok", kind="webhook", config={"base_url": f"{url}/duty", "secret": SECRET})) as tag:
        _enqueue(engine, tag, 40, channel="hook_ok")
        assert _run(engine) == 40
        ids = [r.headers["webhook-id"] for r in sink.received]
        assert len(ids) == 40 and len(set(ids)) == 40
        assert sink.received[0].json["recipient"]["name"].startswith("收件人")
        rows = _rows(engine, tag)
        assert {r.state for r in rows} == {"sent"}
        assert all(r.provider_message_id == r.idempotency_key for r in rows)
        # run again: nothing is due, nothing is sent twice
        assert _run(engine) == 0 and len(sink.received) == 40


def test_inbox_messages_are_delivered_at_once(engine):
    with live_channels(engine, dict(name="inbox_t", kind="inbox")) as tag:
        _enqueue(engine, tag, 3, channel="inbox_t")
        _run(engine)
        assert {r.state for r in _rows(engine, tag)} == {"delivered"}


def test_a_wrong_secret_fails_with_the_receivers_reason_then_the_ladder_goes_on(engine):
    sink = WebhookSink(secret=SECRET)
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with serve(sink.app()) as url, live_channels(
            engine, dict(name="hook_bad", kind="webhook", config={"base_url": url, "secret": other}),
            dict(name="inbox_b", kind="inbox")) as tag:
        _enqueue(engine, tag, 1, ladder=["hook_bad", "inbox_b"])
        _run(engine)
        rows = {r.channel: r for r in _rows(engine, tag)}
        assert rows["hook_bad"].state == "failed" and "401" in rows["hook_bad"].last_error
        assert "invalid signature" in rows["hook_bad"].last_error
        assert rows["inbox_b"].state == "delivered" and rows["hook_bad"].superseded_by == rows["inbox_b"].id


def test_long_text_is_cut_with_a_link_never_dropped(engine):
    peer = WeComPeer(key="robot-key")  # refuses text over 2,048 bytes with errcode 40058, as WeCom does
    with serve(peer.app()) as url, live_channels(engine, dict(name="wecom_t", kind="wecom",
                                                              config={"base_url": url, "key": "robot-key"})) as tag:
        _enqueue(engine, tag, 1, channel="wecom_t", address=None, extra="很长的内容" * 400)
        _run(engine, timeout=5)
        row = _rows(engine, tag)[0]
        assert row.state == "sent", row.last_error
        body = peer.last.json["text"]["content"]
        assert len(body.encode()) <= 2048 and f"（全文见 http://duty.example/deliveries/{row.id}）" in body
        assert body.startswith("【测试】\n第0条消息很长的内容")


def test_fault_sink_every_message_delivered_or_failed_and_alerted_none_twice(engine):
    # A 204 slower than the client's timeout is a timeout, retried: the timeout leaves a loaded machine
    # (CI, other tests) room to answer in time, or a message is accepted twice without any fault injected.
    sink = FlakySink(fail=0.3, hang=0.1, hang_seconds=1.5)
    with serve(sink.app()) as url, live_channels(engine, dict(
            name="hook_flaky", kind="webhook", max_concurrency=32,
            config={"base_url": url, "secret": SECRET, "timeout": 0.6})) as tag:
        _enqueue(engine, tag, 150, channel="hook_flaky")
        _run(engine, timeout=60)
        rows = _rows(engine, tag)
        by_key = {r.idempotency_key: r for r in rows}
        assert sink.answers["hang"] and sink.answers["503"], "the sink must actually have misbehaved"
        assert max(sink.accepted.values()) == 1, "a message was delivered twice"
        states = {r.state for r in rows}
        assert states <= {"sent", "failed"}, states
        assert {k for k in sink.accepted} == {k for k, r in by_key.items() if r.state == "sent"}
        failed = [r for r in rows if r.state == "failed"]
        assert all(r.attempts == 3 for r in failed)
        with Session(engine) as s:
            found = {a.code: a for a in alerts.collect(session=s, now=rows[0].created_at + timedelta(minutes=1),
                                                       settings=Settings(), sources=ALERT_SOURCES)}
        assert failed, "with 40% bad answers some messages should exhaust their 3 tries"
        assert found["delivery_failed"].count >= len(failed)
        assert len(sink.accepted) + len(failed) == 150
