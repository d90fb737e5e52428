"""DingTalk custom group robot (钉钉群自定义机器人), signed webhook."""

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
    SendResult,
    post,
)
from notifiers.errcodes import json_body, raise_for_code
from notifiers.text import fit

# DingTalk publishes no body limit; 20,000 bytes is the commonly reported ceiling.
MAX_BYTES = 20_000
# 130101: "send too fast"; DingTalk then blocks the robot for 10 minutes.
# 90030: "webhook over limit", the robot's quota is used up for a while.
RATE_LIMITED = {130101: 600.0, 90030: 3600.0}


class DingTalkConfig(NotifierConfig):
    """One robot in one group; the token and secret come from the robot's settings page."""

    base_url: str = Field("https://oapi.dingtalk.com", description="DingTalk open API base URL")
    access_token: SecretStr = Field(description="access_token from the robot's webhook URL")
    secret: SecretStr | None = Field(None, description="signing secret (加签, starts with SEC); empty when signing is off")
    keyword: str = Field("", description="security keyword (自定义关键词) prepended when the text lacks it")


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, f'{timestamp}\\n{secret}'))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkNotifier(Notifier):
    """Posts text, markdown or an actionCard with an acknowledge button to one group."""

    kind = "dingtalk"
    title = "钉钉群机器人"
    Config = DingTalkConfig
    capabilities = Capabilities(mentions=True, markdown=True, ack=AckMode.link, max_bytes=MAX_BYTES)
    rate_limit = RateLimit(count=20, per_seconds=60)
    config: DingTalkConfig
    wall_clock = staticmethod(time.time)

    def _body(self, message: Message) -> dict[str, Any]:
        """The robot payload: actionCard for an ack link, unless @mentions need markdown."""
        kw = self.config.keyword
        mentions = " ".join(f"@{m}" for m in message.mention_mobiles)
        subject = message.subject
        if kw and kw not in f"{subject}{message.markdown or message.text}":
            subject = f"【{kw}】{subject}"
        # The title is what the phone notification shows; markdown requires one.
        title = subject or message.text.strip()[:30] or "通知"
        at = {"atMobiles": message.mention_mobiles, "isAtAll": False}
        if message.markdown is None and message.ack_url is None:
            content = "\n".join(p for p in (subject, fit(message.text, MAX_BYTES - 1024), mentions) if p)
            return {"msgtype": "text", "text": {"content": content}, "at": at}
        text = fit(message.markdown or message.text, MAX_BYTES - 1024, message.ack_url)
        head = f"### {subject}\n\n" if subject else ""
        if message.ack_url and not message.mention_mobiles:
            card = {"title": title, "text": head + text, "singleTitle": "确认收到", "singleURL": message.ack_url}
            return {"msgtype": "actionCard", "actionCard": card}
        # An actionCard cannot @ anyone, so with mentions the ack link goes into markdown.
        link = f"\n\n[确认收到]({message.ack_url})" if message.ack_url else ""
        tail = f"\n\n{mentions}" if mentions else ""
        return {"msgtype": "markdown", "markdown": {"title": title, "text": head + text + link + tail}, "at": at}

    async def send(self, message: Message) -> SendResult:
        """Sign and post one message; errcode != 0 raises."""
        await self.throttle.take()
        params = {"access_token": self.config.access_token.get_secret_value()}
        if self.config.secret and self.config.secret.get_secret_value():
            ts = int(self.wall_clock() * 1000)
            params |= {"timestamp": str(ts), "sign": sign(self.config.secret.get_secret_value(), ts)}
        url = f"{self.config.base_url.rstrip('/')}/robot/send"
        response = await post(self.client, url, params=params, json=self._body(message), timeout=self.config.timeout)
        body = json_body(response)
        raise_for_code(int(body.get("errcode", -1)), str(body.get("errmsg", "")), rate_limited=RATE_LIMITED)
        return SendResult(status="sent", detail="钉钉已接收（群消息无送达回执）")
