"""A placer that calls the unit through the Aliyun IVR plugin against the loopback gateway (tests/peers/aliyun).

Stands in for the dispatcher: send the IvrCall, keep Aliyun's CallId on the attempt. Receipts are the
gateway's VoiceCallReport / VoiceReport pushes, parsed by the plugin and handed to the service.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from notifiers.aliyun_vms import AliyunVmsConfig, AliyunVmsNotifier
from notifiers.base import CallbackRequest, Message, Recipient
from tests.peers import aliyun as peer_mod

TOKEN = "tok-spot"


class AliyunLine:
    def __init__(self, peer, url: str) -> None:
        self.peer, self.url = peer, url
        self.cfg = AliyunVmsConfig(base_url=url, access_key_id="LTAI-test", access_key_secret="secret-test",
                                   called_show_number="057100000000", start_code="TTS_SPOT",
                                   confirm_code="TTS_OK", text_param="content", callback_token=TOKEN, timeout=2)
        self.calls: list[str] = []

    def place(self, session, attempt, planned, unit, now, cfg) -> str:
        msg = Message(idempotency_key=f"spot:{planned.id}:{attempt.attempt_no}",
                      recipient=Recipient(name=unit.name, address=unit.duty_phone),
                      text=cfg.tts_text, voice_text=cfg.tts_text)

        async def send():
            return await AliyunVmsNotifier(self.cfg).send(msg)  # a fresh plugin: the test clock jumps minutes

        result = asyncio.run(send())
        attempt.provider_call_id, attempt.placed_at = result.provider_message_id, now
        self.calls.append(result.provider_message_id)
        return ""

    def receipts(self, body: bytes):
        return AliyunVmsNotifier(self.cfg).parse_callback(
            CallbackRequest(url="http://duty/cb/aliyun_vms", query={"token": TOKEN}, body=body))


def china(at: datetime) -> str:
    return (at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


report, voice_report = peer_mod.call_report, peer_mod.voice_report
