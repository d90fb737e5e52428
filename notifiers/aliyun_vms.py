"""Aliyun voice (阿里云语音服务, Dyvmsapi 2017-05-25 IvrCall): a TTS call that asks for key 1.

The call reads a TTS template (StartCode) and waits `key_timeout_ms` for a key;
key "1" plays `confirm_code` and counts as acknowledged (按 1 确认). Results come
back through the console's HTTP push (VoiceCallReport while ringing/answered/
key pressed, VoiceReport when the call ends), unsigned: configure the push URL
with `?token=<callback_token>`.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from notifiers import aliyun_sign
from notifiers.base import (
    AckMode,
    CallbackRequest,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RateLimit,
    Receipt,
    SendResult,
)
from notifiers.callback_token import (
    china_time,
    json_items,
    mainland_number,
    require_token,
)

API_VERSION = "2017-05-25"
CONFIRM_KEY = "1"
ANSWERED_CODES = {"200000", "200001", "200008"}  # heard all, hung up early, key timeout
BUSY_CODES = {"200002", "200112"}
NO_ANSWER_CODES = {"200003", "200113"}
DTMF_CODE = "300000"
PICKED_UP_CODE = "200102"
# calling, ringing, call ended: the final VoiceReport decides what happened
IN_PROGRESS_CODES = {"200101", "200201", "200100"}


class AliyunVmsConfig(NotifierConfig):
    """Settings for Aliyun IVR calls."""

    base_url: str = Field("https://dyvmsapi.aliyuncs.com", description="Dyvmsapi endpoint; tests point it at a loopback peer")
    access_key_id: str = Field(..., description="AccessKey ID of a RAM user allowed dyvms:IvrCall")
    access_key_secret: SecretStr = Field(..., description="AccessKey secret of that RAM user")
    called_show_number: str = Field(..., description="purchased caller number shown to the callee (主叫显号)")
    start_code: str = Field("", description="default TTS template (TTS_xxx) read when the call is answered")
    confirm_code: str = Field(..., description="TTS template played after the callee presses 1 (已确认)")
    text_param: str = Field("", description="template variable that receives the message's voice text, if any")
    play_times: int = Field(3, ge=1, le=3, description="how often the prompt is repeated (1-3)")
    key_timeout_ms: int = Field(30000, ge=1000, description="how long to wait for a key, milliseconds (spot checks: 30 s)")
    callback_token: SecretStr = Field(
        SecretStr(""), description="shared token the receipt push URL must carry as ?token=; empty rejects callbacks"
    )


class AliyunVmsNotifier(Notifier):
    """IVR voice calls through Aliyun; answer, key press and failure come back as receipts."""

    kind: ClassVar[str] = "aliyun_vms"
    title: ClassVar[str] = "阿里云语音电话"
    Config: ClassVar[type[NotifierConfig]] = AliyunVmsConfig
    capabilities: ClassVar[Capabilities] = Capabilities(voice=True, receipts=True, ack=AckMode.key_press)
    # One call per number per minute keeps clear of carrier frequency control.
    rate_limit: ClassVar[RateLimit | None] = RateLimit(count=1, per_seconds=60)
    callback_ack: ClassVar[dict] = {"code": 0, "msg": "成功"}

    config: AliyunVmsConfig

    async def send(self, message: Message) -> SendResult:
        """Place one IVR call; the result carries Aliyun's CallId."""
        raw = message.recipient.address or message.recipient.mobile
        if not raw:
            raise PermanentError(f"收件人 {message.recipient.name} 没有电话号码", code="no_address")
        start = message.template_code or self.config.start_code
        if not start:
            raise PermanentError("未指定语音模板 (start_code)", code="no_template")
        number = mainland_number(raw)
        await self.throttle.take(number)
        tts = dict(message.template_params)
        if self.config.text_param:
            tts[self.config.text_param] = message.voice_text or message.text
        params = {
            "CalledNumber": number,
            "CalledShowNumber": self.config.called_show_number,
            "StartCode": start,
            "PlayTimes": str(self.config.play_times),
            "Timeout": str(self.config.key_timeout_ms),
            # RPC list flattening, as the SDKs send MenuKeyMap[0].
            "MenuKeyMap.1.Key": CONFIRM_KEY,
            "MenuKeyMap.1.Code": self.config.confirm_code,
        }
        if tts:
            params["StartTtsParams"] = json.dumps(tts, ensure_ascii=False, separators=(",", ":"))
        body = await aliyun_sign.call(
            self.client, self.config.base_url, action="IvrCall", version=API_VERSION, params=params,
            access_key_id=self.config.access_key_id,
            access_key_secret=self.config.access_key_secret.get_secret_value(), timeout=self.config.timeout,
        )
        return SendResult(provider_message_id=body.get("CallId"), status="accepted", detail=body.get("Message", ""))

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Token-checked VoiceCallReport / VoiceReport arrays to call receipts."""
        require_token(self.config.callback_token, request)
        receipts: list[Receipt] = []
        for item in json_items(request.body):
            receipts.extend(_receipts(item))
        return receipts


def _receipts(item: dict[str, Any]) -> list[Receipt]:
    common = {"provider_message_id": str(item.get("call_id") or "") or None, "from_address": item.get("callee")}
    code = str(item.get("status_code", ""))
    dtmf = str(item.get("dtmf") or "")
    ring = f"振铃 {item['ring_time']}" if item.get("ring_time") else ""
    detail = " ".join(x for x in (code, str(item.get("status_msg", "")), ring) if x)
    if "start_time" not in item and "duration" not in item:
        # VoiceCallReport: one state change at status_time
        at = china_time(item.get("status_time"))
        if code == DTMF_CODE and dtmf:
            return [Receipt(kind="key_press", key=dtmf[:1], text=dtmf, at=at, detail=detail, **common)]
        if code == PICKED_UP_CODE:
            return [Receipt(kind="answered", at=at, detail=detail, **common)]
        if code in IN_PROGRESS_CODES or code == DTMF_CODE:
            return []
        return [Receipt(kind=_failure_kind(code), at=at, detail=detail, **common)]
    # VoiceReport: the record of the finished call
    answered_at = china_time(item.get("start_time"))
    ended_at = china_time(item.get("end_time")) or china_time(item.get("ring_time"))
    if answered_at is None and code not in ANSWERED_CODES:
        return [Receipt(kind=_failure_kind(code), at=ended_at, detail=detail, **common)]
    out = [Receipt(kind="answered", at=answered_at or ended_at, detail=detail, **common)]
    if dtmf:
        # the record has no key time; the call's end bounds it
        out.append(Receipt(kind="key_press", key=dtmf[:1], text=dtmf, at=ended_at, detail=detail, **common))
    return out


def _failure_kind(code: str) -> str:
    if code in BUSY_CODES:
        return "busy"
    if code in NO_ANSWER_CODES:
        return "no_answer"
    return "failed"
