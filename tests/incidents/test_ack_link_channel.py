"""An acknowledgement through a link names the way the link came (the night tester's M5; issue 17): one from a
console-inbox message is 站内消息链接, one from WeCom 企业微信链接, …, not 短信链接, since no text message was sent."""

from __future__ import annotations

import pytest

from services.audit import reading
from services.incidents import acks, board, policies
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY
from tests.incidents.conftest import landslide as landslide_data
from tests.incidents.test_escalation_scenario import ack_token, run
from tests.test_audit_reading import AUDITOR
from web.console.audit import view
from web.console.i18n import translate


def _step(session, channel: str) -> None:
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(name="one", position=1, steps=[
        policies.StepIn(targets=[{"kind": "duty_leader_now"}], channels=[channel], wait_minutes=10)]))
    session.commit()


def _ack_by_link(session, county, clock, recorder, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    (notice,) = recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=2)
    ack = acks.use_link(session, token=ack_token(notice), now=clock.now, settings=settings)
    return inc, ack


def test_a_link_from_the_inbox_is_an_inbox_link(session, county, clock, recorder, settings):
    _step(session, "inbox")
    inc, ack = _ack_by_link(session, county, clock, recorder, settings)
    assert ack.via == "inbox_link"
    (said,) = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "ack"]
    assert said.startswith("带班领导周文静 确认收到（站内消息链接，") and "短信" not in said


def test_a_link_from_a_text_message_stays_a_text_message_link(session, county, clock, recorder, settings):
    _step(session, "sms")
    _, ack = _ack_by_link(session, county, clock, recorder, settings)
    assert ack.via == "link"


@pytest.mark.parametrize("channel,zh,en", [("wecom", "企业微信链接", "WeCom link"), ("dingtalk", "钉钉链接", "DingTalk link"),
                                           ("feishu", "飞书链接", "Feishu link"), ("email", "邮件链接", "e-mail link")])
def test_a_link_from_a_chat_or_an_email_names_that_channel(session, county, clock, recorder, settings, channel, zh, en):
    """A leader who opened the link in WeCom, DingTalk, Feishu or an e-mail did not get a text message: the
    timeline, the audit entry and the message's own state name the channel the link came by."""
    _step(session, channel)
    inc, ack = _ack_by_link(session, county, clock, recorder, settings)
    session.flush()
    assert ack.via == f"{channel}_link"
    (said,) = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "ack"]
    assert said.startswith(f"带班领导周文静 确认收到（{zh}，") and "短信" not in said
    entry = next(e for e in reading.list_entries(session=session, by=AUDITOR, limit=20).entries
                 if e.action == "acknowledge")
    assert view.actor_text(entry.who, "zh-CN") == f"带班领导周文静（经{zh}）"
    assert view.actor_text(entry.who, "en") == f"带班领导周文静 (by {en})"
    assert translate(f"enum.via.{channel}_link", "en") == en
