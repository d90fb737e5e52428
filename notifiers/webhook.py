"""Generic JSON webhook signed per the Standard Webhooks spec (standardwebhooks.com)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    CallbackMalformed,
    CallbackRejected,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RetryableError,
    SendResult,
    classify_http,
    post,
)

SECRET_PREFIX = "whsec_"


class WebhookConfig(NotifierConfig):
    """Where to POST and the shared secret the receiver verifies with."""

    base_url: str = Field("", description="receiver URL; a recipient's `address` overrides it")
    secret: SecretStr | None = Field(None, description="signing secret 'whsec_<base64>'; empty sends unsigned")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise PermanentError("webhook 密钥格式错误，应为 whsec_<base64>", code="bad_secret") from exc


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The spec's 'v1,<base64 HMAC-SHA256(key, id.timestamp.body)>'."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify_standard_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime | float, tolerance: float = 300
) -> Any:
    """Check a Standard Webhooks signature and timestamp; return the JSON payload or raise CallbackRejected."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, sigs = (lower.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and stamp and sigs):
        raise CallbackRejected("missing webhook-id / webhook-timestamp / webhook-signature")
    try:
        ts = int(stamp)
    except ValueError as exc:
        raise CallbackRejected("webhook-timestamp is not an integer") from exc
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - ts) > tolerance:
        raise CallbackRejected("webhook-timestamp outside the tolerance window")
    try:
        expected = signature(secret, msg_id, ts, body).encode()
    except PermanentError as exc:
        raise CallbackRejected(exc.reason) from exc
    # Several space-separated signatures may be sent while a secret is rotated.
    if not any(hmac.compare_digest(expected, s.encode()) for s in sigs.split() if s.startswith("v1,")):
        raise CallbackRejected("no matching webhook signature")
    try:
        return json.loads(body) if body else None
    except ValueError as exc:
        raise CallbackMalformed("回调内容不是 JSON (body is not JSON)") from exc


class WebhookNotifier(Notifier):
    """POSTs the message as JSON; any 2xx means the receiver took it."""

    kind = "webhook"
    title = "通用 Webhook"
    Config = WebhookConfig
    capabilities = Capabilities(markdown=True, ack=AckMode.link)
    config: WebhookConfig
    wall_clock = staticmethod(time.time)

    async def send(self, message: Message) -> SendResult:
        """POST the message, signed when a secret is set; webhook-id is the idempotency key."""
        url = message.recipient.address or self.config.base_url
        if not url:
            raise PermanentError("未配置 webhook 地址", code="no_address")
        await self.throttle.take(url)
        payload = {
            "subject": message.subject,
            "text": message.text,
            "markdown": message.markdown,
            "ack_url": message.ack_url,
            "recipient": message.recipient.model_dump(exclude_none=True),
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(self.wall_clock())
        headers = {"content-type": "application/json", "webhook-id": message.idempotency_key,
                   "webhook-timestamp": str(ts)}
        if self.config.secret and self.config.secret.get_secret_value():
            headers["webhook-signature"] = signature(self.config.secret.get_secret_value(),
                                                     message.idempotency_key, ts, body)
        response = await post(self.client, url, content=body, headers=headers, timeout=self.config.timeout)
        if response.status_code == 408:
            raise RetryableError("HTTP 408: receiver timed out", code="408")
        classify_http(response)
        if not 200 <= response.status_code < 300:
            # Redirects are not followed: a signed body must reach the configured URL itself.
            raise PermanentError(f"HTTP {response.status_code}: 接收方未接受", code=str(response.status_code))
        return SendResult(provider_message_id=message.idempotency_key, status="sent", detail=f"HTTP {response.status_code}")
