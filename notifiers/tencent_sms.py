"""Tencent Cloud SMS (腾讯云短信, SendSms 2021-01-11) signed with TC3-HMAC-SHA256.

Signing follows cloud.tencent.com/document/api/382/52072 ("签名方法 v3") and the
SDKs: content-type and host are signed, the key is derived from the UTC date,
the service and "tc3_request". Status reports and replies are pushed unsigned:
configure the callback URL with `?token=<callback_token>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    CallbackRequest,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RateLimit,
    RateLimitedError,
    Receipt,
    RetryableError,
    SendResult,
    classify_http,
    post,
)
from notifiers.callback_token import (
    china_time,
    json_items,
    mainland_number,
    require_token,
)

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# LimitExceeded.* waits, seconds; RequestLimitExceeded is the per-second API limit.
WAITS = {"PhoneNumberThirtySecondLimit": 30.0, "PhoneNumberOneHourLimit": 3600.0, "PhoneNumberDailyLimit": 86400.0}


def tc3_authorization(
    *, secret_id: str, secret_key: str, service: str, host: str, payload: bytes, timestamp: int,
    content_type: str = CONTENT_TYPE, method: str = "POST",
) -> str:
    """The Authorization header value for one request body at `timestamp`."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{content_type.lower()}\nhost:{host.lower()}\n"
    signed = "content-type;host"
    canonical_request = "\n".join(
        [method, "/", "", canonical_headers, signed, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={signature}"


def raise_for_code(code: str, message: str) -> None:
    """Raise the typed error a Tencent error code (Response.Error or SendStatus) implies."""
    reason = f"{code}: {message}"
    if code == "RequestLimitExceeded" or code.startswith("RequestLimitExceeded."):
        raise RateLimitedError(reason, retry_after=1.0, code=code)
    if code.startswith("LimitExceeded."):
        raise RateLimitedError(reason, retry_after=WAITS.get(code.split(".", 1)[1], 60.0), code=code)
    if code.startswith("InternalError") or code in {"ResourceUnavailable", "FailedOperation.ServiceBusy"}:
        raise RetryableError(reason, code=code)
    # AuthFailure.*, InvalidParameter*, FailedOperation.*, UnauthorizedOperation.*: resending cannot help.
    raise PermanentError(reason, code=code)


class TencentSmsConfig(NotifierConfig):
    """Settings for one Tencent Cloud SMS application."""

    base_url: str = Field("https://sms.tencentcloudapi.com", description="SMS API endpoint; tests point it at a loopback peer")
    secret_id: str = Field(..., description="API key SecretId (CAM user allowed sms:SendSms)")
    secret_key: SecretStr = Field(..., description="API key SecretKey")
    region: str = Field("ap-guangzhou", description="X-TC-Region; ap-guangzhou, ap-beijing or ap-nanjing")
    sms_sdk_app_id: str = Field(..., description="SmsSdkAppId of the SMS application (1400xxxxxx)")
    sign_name: str = Field(..., description="approved SMS signature (短信签名)")
    template_id: str = Field("", description="default template id when a message names none")
    callback_token: SecretStr = Field(
        SecretStr(""), description="shared token the callback URL must carry as ?token=; empty rejects callbacks"
    )


class TencentSmsNotifier(Notifier):
    """Templated SMS through Tencent Cloud; status reports and replies come back as receipts."""

    kind: ClassVar[str] = "tencent_sms"
    title: ClassVar[str] = "腾讯云短信"
    Config: ClassVar[type[NotifierConfig]] = TencentSmsConfig
    capabilities: ClassVar[Capabilities] = Capabilities(receipts=True, ack=AckMode.sms_reply, max_bytes=1500)
    # Tencent's default frequency control: one message per number per 30 seconds.
    rate_limit: ClassVar[RateLimit | None] = RateLimit(count=1, per_seconds=30)
    callback_ack: ClassVar[dict] = {"result": 0, "errmsg": "OK"}

    config: TencentSmsConfig

    async def send(self, message: Message) -> SendResult:
        """Send the template with its params (in key order, numeric keys by number) to +86 mobile."""
        raw = message.recipient.address or message.recipient.mobile
        if not raw:
            raise PermanentError(f"收件人 {message.recipient.name} 没有手机号", code="no_address")
        template = message.template_code or self.config.template_id
        if not template:
            raise PermanentError("未指定短信模板 (template_id)", code="no_template")
        number = raw if raw.startswith("+") and not raw.startswith("+86") else "+86" + mainland_number(raw)
        await self.throttle.take(number)
        keys = list(message.template_params)
        if all(k.isdigit() for k in keys):
            keys.sort(key=int)  # templates use {1}, {2}, ...
        payload = json.dumps(
            {
                "PhoneNumberSet": [number],
                "SmsSdkAppId": self.config.sms_sdk_app_id,
                "SignName": self.config.sign_name,
                "TemplateId": template,
                "TemplateParamSet": [message.template_params[k] for k in keys],
                "SessionContext": message.idempotency_key[:512],
            },
            ensure_ascii=False,
        ).encode()
        url = httpx.URL(self.config.base_url)
        host = url.host if url.port is None else f"{url.host}:{url.port}"
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=self.config.secret_id, secret_key=self.config.secret_key.get_secret_value(),
                service="sms", host=host, payload=payload, timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self.config.region,
        }
        response = await post(self.client, str(url), headers=headers, content=payload, timeout=self.config.timeout)
        classify_http(response)
        try:
            body = response.json()["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RetryableError(f"非预期应答: {response.text[:200]}", code="bad_response") from exc
        if "Error" in body:
            raise_for_code(str(body["Error"].get("Code", "")), str(body["Error"].get("Message", "")))
        status = (body.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise_for_code(str(status.get("Code", "")), str(status.get("Message", "")))
        return SendResult(provider_message_id=status.get("SerialNo"), status="accepted", detail=status.get("Message", ""))

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Token-checked status reports and replies to 'delivered', 'failed' and 'reply' receipts."""
        require_token(self.config.callback_token, request)
        receipts = []
        for item in json_items(request.body):
            sender = item.get("mobile")
            if "text" in item:  # a reply (回复短信)
                receipts.append(Receipt(kind="reply", from_address=sender, text=str(item["text"]),
                                        at=china_time(item.get("time")), detail=str(item.get("sign", ""))))
                continue
            ok = str(item.get("report_status", "")).upper() == "SUCCESS"
            receipts.append(
                Receipt(
                    kind="delivered" if ok else "failed",
                    provider_message_id=str(item.get("sid") or "") or None,
                    from_address=sender,
                    at=china_time(item.get("user_receive_time")),
                    detail=f"{item.get('errmsg', '')} {item.get('description', '')}".strip(),
                )
            )
        return receipts
