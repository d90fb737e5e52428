"""Feishu / Lark custom bot (飞书群自定义机器人), signed webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    RateLimit,
    RateLimitedError,
    SendResult,
    Throttle,
    post,
)
from notifiers.errcodes import json_body, raise_for_code
from notifiers.text import fit

# The request body may not exceed 20 KB; keep room for the JSON around the text.
MAX_BYTES = 20 * 1024
TEXT_BUDGET = MAX_BYTES - 2048
RATE_LIMITED = {11232: 10.0}  # "frequency limited", often at busy hours (整点、半点)


class FeishuConfig(NotifierConfig):
    """One custom bot in one group chat."""

    base_url: str = Field("https://open.feishu.cn", description="Feishu open API base URL (Lark: https://open.larksuite.com)")
    token: SecretStr = Field(description="the hook token, last part of the webhook URL")
    secret: SecretStr | None = Field(None, description="signing secret (签名校验); empty when signing is off")


def sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key=f'{timestamp}\\n{secret}', msg=b''))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def card(message: Message) -> dict[str, Any]:
    """An interactive card: header, lark_md body and a button opening the ack link."""
    body = fit(message.markdown or message.text, TEXT_BUDGET, message.ack_url)
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": body}}]
    if message.ack_url:
        button = {"tag": "button", "text": {"tag": "plain_text", "content": "确认收到"}, "type": "primary",
                  "url": message.ack_url}
        elements.append({"tag": "action", "actions": [button]})
    header = {"template": "red", "title": {"tag": "plain_text", "content": message.subject or "值班通知"}}
    return {"config": {"wide_screen_mode": True}, "header": header, "elements": elements}


class FeishuNotifier(Notifier):
    """Posts text, or an interactive card with an acknowledge button, to one group."""

    kind = "feishu"
    title = "飞书群机器人"
    Config = FeishuConfig
    # Custom bots can only @ by open_id, never by mobile, so mention_mobiles cannot be honoured.
    capabilities = Capabilities(markdown=True, ack=AckMode.link, max_bytes=MAX_BYTES)
    rate_limit = RateLimit(count=100, per_seconds=60)
    config: FeishuConfig
    wall_clock = staticmethod(time.time)

    def __init__(self, config: FeishuConfig, *, clock=time.monotonic, **kwargs: Any) -> None:
        super().__init__(config, clock=clock, **kwargs)
        # Feishu also limits each bot to 5 a second.
        self.burst = Throttle(RateLimit(count=5, per_seconds=1), clock)

    def _body(self, message: Message) -> dict[str, Any]:
        if message.ack_url or message.markdown is not None:
            return {"msg_type": "interactive", "card": card(message)}
        head = f"{message.subject}\n" if message.subject else ""
        return {"msg_type": "text", "content": {"text": fit(head + message.text, TEXT_BUDGET)}}

    async def send(self, message: Message) -> SendResult:
        """Sign and post one message; a nonzero `code` raises."""
        await self.burst.take()
        await self.throttle.take()
        payload = self._body(message)
        if self.config.secret and self.config.secret.get_secret_value():
            ts = int(self.wall_clock())
            payload = {"timestamp": str(ts), "sign": sign(self.config.secret.get_secret_value(), ts)} | payload
        url = f"{self.config.base_url.rstrip('/')}/open-apis/bot/v2/hook/{self.config.token.get_secret_value()}"
        response = await post(self.client, url, json=payload, timeout=self.config.timeout)
        if response.status_code == 429 and "x-ogw-ratelimit-reset" in response.headers:
            wait = float(response.headers["x-ogw-ratelimit-reset"])
            raise RateLimitedError(f"HTTP 429: {response.text[:200]}", retry_after=wait, code="429")
        body = json_body(response)
        code, msg = int(body.get("code", body.get("StatusCode", -1))), str(body.get("msg", body.get("StatusMessage", "")))
        # 9499 means both "Bad Request" and "too many request"; only the latter is worth a wait.
        rate_limited = RATE_LIMITED | ({9499: 10.0} if "too many" in msg.lower() else {})
        raise_for_code(code, msg, rate_limited=rate_limited)
        return SendResult(status="sent", detail="飞书已接收（群消息无送达回执）")
