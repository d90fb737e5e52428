"""REST API, provider callbacks, console pages and /metrics for deliveries."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from core.settings import Settings
from dutydesk.composition import ALERT_SOURCES
from models.deliveries import ChannelConfig, ChannelConfigCreate, Delivery
from notifiers.twilio_voice import twilio_signature
from services import accounts, deliveries
from web.deps import CSRF_HEADER, SESSION_COOKIE

SID = "AC" + "1" * 32


@pytest.fixture
def key(app) -> str:
    return app.state.settings.secret_key.get_secret_value()


def _channel(session, key, name, kind, config):
    row = deliveries.create_channel(session=session, actor="test", key=key,
                                    data=ChannelConfigCreate(name=name, kind=kind, config=config))
    session.commit()
    return row


def _sent(session, channel, provider_id, ladder=None, mobile="13800138000", person=None):
    d = deliveries.enqueue(session=session, source="incident", source_id="i-1", step="1", person=person,
                           address=None if person else mobile, recipient={"mobile": mobile, "name": "张伟"},
                           channel=None if ladder else channel, ladder=ladder, text="火情，请确认")
    d.state, d.provider_message_id, d.sent_at = "sent", provider_id, datetime.now(UTC)
    session.add(d)
    session.commit()
    return d


def test_channel_secrets_are_encrypted_at_rest_and_never_shown(client, tokens, session):
    r = client.post("/api/channels", headers=tokens["admin"], json={
        "name": "wecom_main", "kind": "wecom", "title": "值班群", "config": {"key": "robot-secret-123"}})
    assert r.status_code == 201, r.text
    assert r.json()["config"]["key"] == "***"
    stored = session.exec(select(ChannelConfig).where(ChannelConfig.name == "wecom_main")).one()
    assert "robot-secret-123" not in json.dumps(stored.config) and stored.config["key"].startswith("enc:v1:")
    listed = client.get("/api/channels", headers=tokens["duty_officer"]).json()
    assert [c["config"]["key"] for c in listed if c["name"] == "wecom_main"] == ["***"]
    # sending '***' back keeps the secret; the plugin gets the real one
    r = client.patch("/api/channels/wecom_main", headers=tokens["admin"], json={"config": {"key": "***", "timeout": 3}})
    assert r.status_code == 200, r.text
    plugin = deliveries.build_notifier(session.get(ChannelConfig, stored.id), client.app.state.settings.secret_key
                                       .get_secret_value())
    assert plugin.config.key.get_secret_value() == "robot-secret-123" and plugin.config.timeout == 3
    assert "robot-secret-123" not in client.get("/channels", headers=tokens["admin"]).text


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "kind": "carrier_pigeon", "config": {}}, "kind"),
    ({"name": "w", "kind": "wecom", "config": {}}, "config.key"),
    ({"name": "w", "kind": "wecom", "config": {"key": "k", "colour": "red"}}, "config.colour"),
])
def test_bad_channel_config_is_a_422_naming_the_field(client, tokens, body, field):
    r = client.post("/api/channels", headers=tokens["admin"], json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", field]


def test_only_admins_configure_channels(client, tokens):
    r = client.post("/api/channels", headers=tokens["duty_officer"], json={"name": "i", "kind": "inbox", "config": {}})
    assert r.status_code == 403


def test_test_send_queues_a_rendered_message_and_the_list_filters_by_state(client, tokens, session, key):
    _channel(session, key, "hook", "webhook", {"base_url": "http://127.0.0.1:9/x"})
    r = client.post("/api/channels/hook/test", headers=tokens["admin"], json={"to": "http://127.0.0.1:9/y"})
    assert r.status_code == 202, r.text
    row = r.json()
    assert row["state"] == "queued" and row["source"] == "test" and "测试" in row["subject"]
    assert "渠道：hook" in row["text"]
    queued = client.get("/api/deliveries?state=queued&channel=hook", headers=tokens["duty_officer"]).json()
    assert [d["id"] for d in queued] == [row["id"]]
    assert client.get("/api/deliveries?state=failed&channel=hook", headers=tokens["auditor"]).json() == []
    assert client.post("/api/channels/nope/test", headers=tokens["admin"], json={"to": "x"}).status_code == 404
    r = client.post("/api/channels/hook/test", headers=tokens["admin"], json={"to": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to"]


def test_twilio_key_press_callback_acknowledges_and_a_bad_signature_is_401(client, session, key, caplog):
    _channel(session, key, "voice", "twilio_voice", {"account_sid": SID, "auth_token": "tw-token", "from_number": "+1500"})
    d = _sent(session, "voice", "CA42")
    url = "http://testserver/callbacks/voice"
    form = [("CallSid", "CA42"), ("Digits", "1"), ("To", "+8613800138000")]
    good = {"X-Twilio-Signature": twilio_signature("tw-token", url, form),
            "Content-Type": "application/x-www-form-urlencoded"}
    with caplog.at_level(logging.WARNING, logger="dutydesk.callbacks"):
        bad = client.post("/callbacks/voice", content=urlencode(form), headers=good | {"X-Twilio-Signature": "forged"})
    assert bad.status_code == 401
    assert any("rejected" in rec.message for rec in caplog.records)
    session.refresh(d)
    assert d.acked_at is None
    r = client.post("/callbacks/voice", content=urlencode(form), headers=good)
    assert r.status_code == 200 and "<Response" in r.text
    session.refresh(d)
    assert d.state == "delivered" and d.acked_at is not None and "key_press" in d.ack_detail


def test_aliyun_failed_receipt_moves_down_the_ladder(client, session, key):
    cfg = {"access_key_id": "ak", "access_key_secret": "sk", "sign_name": "值班室", "callback_token": "cb-tok"}
    _channel(session, key, "sms", "aliyun_sms", cfg)
    d = _sent(session, "sms", "BIZ-1", ladder=["sms", "voice"])
    report = [{"phone_number": "13800138000", "success": False, "biz_id": "BIZ-1", "err_code": "MOBILE_NOT_ON_SERVICE",
               "err_msg": "停机", "report_time": "2026-07-01 10:00:00"}]
    assert client.post("/callbacks/sms?token=wrong", json=report).status_code == 401
    r = client.post("/callbacks/sms?token=cb-tok", json=report)
    assert r.status_code == 200 and r.json()["code"] == 0
    session.refresh(d)
    assert d.state == "failed" and "MOBILE_NOT_ON_SERVICE" in d.last_error
    nxt = session.get(Delivery, d.superseded_by)
    assert nxt.channel == "voice" and nxt.state == "queued"
    assert client.post("/callbacks/no_such_channel", json=[]).status_code == 404


def _cookie(session, user):
    token, login = accounts.start_session(session=session, user=user, now=datetime.now(UTC), hours=1)
    session.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: login.csrf_token}


def test_console_shows_states_errors_and_the_users_own_inbox(client, session, users, directory, key):
    _channel(session, key, "inbox", "inbox", {})
    leader = users["leader"]
    leader.person_id = directory["people"]["hub"].id
    session.add(leader)
    mine = deliveries.enqueue(session=session, source="incident", source_id="i-7", person=directory["people"]["hub"],
                              channel="inbox", subject="【突发事件】城东火情", text="请带班领导确认")
    theirs = deliveries.enqueue(session=session, source="incident", source_id="i-7", person=directory["people"]["t1"],
                                channel="inbox", subject="别人的消息", text="不应出现")
    for d in (mine, theirs):
        d.state = "delivered"
    failed = _sent(session, "sms", "X-9")
    failed.state, failed.last_error = "failed", "HTTP 401: 密钥错误"
    session.add_all([mine, theirs, failed])
    session.commit()
    page = client.get("/inbox", headers=_cookie(session, leader))
    assert "城东火情" in page.text and "别人的消息" not in page.text
    officer = _cookie(session, users["duty_officer"])
    listing = client.get("/deliveries?state=failed", headers=officer).text
    assert "密钥错误" in listing and "X-9" in listing and "城东火情" not in listing
    reporter = _cookie(session, users["unit_reporter"])  # may open only messages sent to its own person
    assert client.get(f"/deliveries/{theirs.id}", headers=reporter).status_code == 404
    assert "请带班领导确认" in client.get(f"/deliveries/{mine.id}", headers=_cookie(session, leader)).text
    assert client.get("/channels", headers=_cookie(session, users["leader"])).status_code == 403


def test_console_test_send_form_queues_a_message(client, session, users, key):
    _channel(session, key, "inbox", "inbox", {})
    admin = _cookie(session, users["admin"])
    r = client.post("/channels/inbox/test", data={"to": "someone", "csrf_token": admin[CSRF_HEADER]},
                    headers={"Cookie": admin["Cookie"]}, follow_redirects=False)
    assert r.status_code == 303
    assert session.exec(select(Delivery).where(Delivery.source == "test", Delivery.channel == "inbox")).first()


def test_metrics_count_deliveries_and_alert_on_failures(session):
    from prometheus_client import CollectorRegistry, generate_latest

    from dutydesk.composition import extensions
    from services import alerts
    from services.deliveries import health

    assert health.metrics in extensions(Settings()).metric_sources  # /metrics reads it (its own connection)
    failed = _sent(session, "sms", "X-10")
    failed.state = "failed"
    session.add(failed)
    session.commit()
    registry = CollectorRegistry()
    health.metrics(registry, session, datetime.now(UTC))
    assert 'dutydesk_deliveries{channel="sms",state="failed"} 1.0' in generate_latest(registry).decode()
    found = {a.code: a for a in alerts.collect(session=session, now=datetime.now(UTC), settings=Settings(), sources=ALERT_SOURCES)}
    assert found["delivery_failed"].count == 1 and found["delivery_failed"].link == "/deliveries?state=failed"


def test_the_channels_page_shows_settings_by_label_in_the_page_language(client, tokens):
    """The page once showed each channel's raw JSON ({"timeout": 3, "verify_tls": false, …}): field names and
    enum values on a zh-CN page. Now a labelled list in the page's language, secrets still masked."""
    assert client.post("/api/channels", headers=tokens["admin"], json={
        "name": "mail", "kind": "email", "title": "邮件", "config": {
            "host": "smtp.example.gov.cn", "password": "mail-secret-9", "from_address": "duty@example.gov.cn",
            "verify_tls": False, "timeout": 3}}).status_code == 201
    zh = client.get("/channels", headers=tokens["admin"]).text
    en = client.get("/channels?lang=en", headers=tokens["admin"]).text
    for page in (zh, en):
        assert "mail-secret-9" not in page and "verify_tls" not in page and "from_address" not in page
    assert "<dt>SMTP 服务器</dt><dd>smtp.example.gov.cn</dd>" in zh
    assert "<dt>校验服务器证书</dt><dd>否</dd>" in zh and "<dt>密码或授权码</dt><dd>已设置（不显示）</dd>" in zh
    assert "<dt>SMTP server</dt><dd>smtp.example.gov.cn</dd>" in en and "<dt>Timeout (seconds)</dt><dd>3</dd>" in en
    assert "<dt>Checks the server certificate</dt><dd>No</dd>" in en
    assert "<dt>Password or app token</dt><dd>set (not shown)</dd>" in en


def test_the_delivery_pages_name_a_channel_by_its_title_in_chinese_and_its_kind_in_english(client, session, users,
                                                                                          key):
    """Not by its internal name (inbox_main): the office knows its channels by their titles."""
    deliveries.create_channel(session=session, actor="test", key=key, data=ChannelConfigCreate(
        name="inbox_main", kind="inbox", title="控制台收件箱", config={}))
    row = deliveries.enqueue(session=session, source="test", source_id="t-1", recipient={"name": "张伟"},
                             address="张伟", channel="inbox_main", subject="渠道名称", text="测试")
    gone = deliveries.enqueue(session=session, source="test", source_id="t-2", recipient={"name": "张伟"},
                              address="张伟", channel="old_hook", subject="旧渠道", text="测试")
    session.commit()
    officer = _cookie(session, users["duty_officer"])
    for path in ("/deliveries?source=test", f"/deliveries/{row.id}"):
        zh = client.get(path + ("&" if "?" in path else "?") + "lang=zh-CN", headers=officer).text
        assert '<span lang="zh-CN">控制台收件箱</span>' in zh and ">inbox_main<" not in zh, path
        en = client.get(path + ("&" if "?" in path else "?") + "lang=en", headers=officer).text
        assert "Console inbox" in en and "控制台收件箱" not in en and ">inbox_main<" not in en, path  # a built-in title
    # a channel no longer configured: by its name, marked as an identifier
    assert "<code>old_hook</code>" in client.get(f"/deliveries/{gone.id}", headers=officer).text
