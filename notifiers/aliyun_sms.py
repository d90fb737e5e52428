"""Aliyun SMS (阿里云短信, Dysmsapi 2017-05-25 SendSms) with V3 signatures.

Delivery receipts (SmsReport) and upstream replies (SmsUp) arrive through the
console's HTTP batch push, which Aliyun does not sign: configure the push URL
as `https://<dutydesk>/callbacks/aliyun_sms?token=<callback_token>`.
"""

from __future__ import annotations

import json
from typing import ClassVar

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


class AliyunSmsConfig(NotifierConfig):
    """Settings for one Aliyun SMS account and signature."""

    base_url: str = Field("https://dysmsapi.aliyuncs.com", description="Dysmsapi endpoint; tests point it at a loopback peer")
    access_key_id: str = Field(..., description="AccessKey ID of a RAM user allowed dysms:SendSms")
    access_key_secret: SecretStr = Field(..., description="AccessKey secret of that RAM user")
    sign_name: str = Field(..., description="approved SMS signature (短信签名), e.g. 某某市应急值班室")
    template_code: str = Field("", description="default template (SMS_xxx) when a message names none")
    callback_token: SecretStr = Field(
        SecretStr(""), description="shared token the receipt push URL must carry as ?token=; empty rejects callbacks"
    )


class AliyunSmsNotifier(Notifier):
    """Templated SMS through Aliyun; receipts and replies via the HTTP push."""

    kind: ClassVar[str] = "aliyun_sms"
    title: ClassVar[str] = "阿里云短信"
    Config: ClassVar[type[NotifierConfig]] = AliyunSmsConfig
    # 500 characters is the long-SMS ceiling; Chinese text is 3 bytes a character.
    capabilities: ClassVar[Capabilities] = Capabilities(receipts=True, ack=AckMode.sms_reply, max_bytes=1500)
    # Aliyun's default frequency control: one message per number per minute.
    rate_limit: ClassVar[RateLimit | None] = RateLimit(count=1, per_seconds=60)
    # What the web layer answers to a push it accepted (Aliyun retries otherwise).
    callback_ack: ClassVar[dict] = {"code": 0, "msg": "成功"}

    config: AliyunSmsConfig

    async def send(self, message: Message) -> SendResult:
        """Send the message's template with its params to the recipient's mobile."""
        raw = message.recipient.address or message.recipient.mobile
        if not raw:
            raise PermanentError(f"收件人 {message.recipient.name} 没有手机号", code="no_address")
        template = message.template_code or self.config.template_code
        if not template:
            raise PermanentError("未指定短信模板 (template_code)", code="no_template")
        number = mainland_number(raw)
        await self.throttle.take(number)
        params = {
            "PhoneNumbers": number,
            "SignName": self.config.sign_name,
            "TemplateCode": template,
        }
        if message.template_params:
            params["TemplateParam"] = json.dumps(message.template_params, ensure_ascii=False, separators=(",", ":"))
        body = await aliyun_sign.call(
            self.client, self.config.base_url, action="SendSms", version=API_VERSION, params=params,
            access_key_id=self.config.access_key_id,
            access_key_secret=self.config.access_key_secret.get_secret_value(), timeout=self.config.timeout,
        )
        return SendResult(provider_message_id=body.get("BizId"), status="accepted", detail=body.get("Message", ""))

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Token-checked SmsReport / SmsUp arrays to 'delivered', 'failed' and 'reply' receipts."""
        require_token(self.config.callback_token, request)
        receipts = []
        for item in json_items(request.body):
            sender = item.get("phone_number")
            if "content" in item:  # SmsUp: an upstream reply (上行短信)
                receipts.append(
                    Receipt(kind="reply", from_address=sender, text=str(item.get("content", "")),
                            at=china_time(item.get("send_time")), detail=str(item.get("dest_code", "")))
                )
                continue
            ok = item.get("success") in (True, "true", "True")
            receipts.append(
                Receipt(
                    kind="delivered" if ok else "failed",
                    provider_message_id=str(item.get("biz_id") or "") or None,
                    from_address=sender,
                    at=china_time(item.get("report_time")),
                    detail=f"{item.get('err_code', '')} {item.get('err_msg', '')}".strip(),
                )
            )
        return receipts
