"""WeCom group robot (企业微信群机器人): the webhook key is the only credential."""

from __future__ import annotations

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
from notifiers.text import fit, utf8_len

TEXT_MAX_BYTES = 2048
MARKDOWN_MAX_BYTES = 4096
# 45009: "api freq out of limit" — 20 messages a minute per robot.
RATE_LIMITED = {45009: 60.0}


class WeComConfig(NotifierConfig):
    """One robot in one group chat."""

    base_url: str = Field("https://qyapi.weixin.qq.com", description="WeCom API base URL")
    key: SecretStr = Field(description="the `key` from the robot's webhook URL")


def ack_line(message: Message, markdown: bool) -> str:
    """The acknowledge link as the last line of a robot message ('' without one)."""
    if not message.ack_url:
        return ""
    return f"\n\n[确认收到]({message.ack_url})" if markdown else f"\n确认收到：{message.ack_url}"


class WeComNotifier(Notifier):
    """Posts text (with @mobile mentions) or markdown to one WeCom group."""

    kind = "wecom"
    title = "企业微信群机器人"
    Config = WeComConfig
    capabilities = Capabilities(mentions=True, markdown=True, ack=AckMode.link, max_bytes=TEXT_MAX_BYTES)
    rate_limit = RateLimit(count=20, per_seconds=60)
    config: WeComConfig

    def _body(self, message: Message) -> dict[str, Any]:
        """Text when someone must be @-mentioned (markdown cannot @ by mobile), else markdown."""
        use_markdown = not message.mention_mobiles and (message.markdown is not None or message.ack_url)
        if use_markdown:
            tail = ack_line(message, markdown=True)
            head = f"**{message.subject}**\n" if message.subject else ""
            main = fit(head + (message.markdown or message.text), MARKDOWN_MAX_BYTES - utf8_len(tail), message.ack_url)
            return {"msgtype": "markdown", "markdown": {"content": main + tail}}
        tail = ack_line(message, markdown=False)
        head = f"{message.subject}\n" if message.subject else ""
        main = fit(head + message.text, TEXT_MAX_BYTES - utf8_len(tail), message.ack_url)
        text = {"content": main + tail, "mentioned_mobile_list": list(message.mention_mobiles)}
        return {"msgtype": "text", "text": text}

    async def send(self, message: Message) -> SendResult:
        """Post one message; errcode != 0 raises."""
        await self.throttle.take()
        url = f"{self.config.base_url.rstrip('/')}/cgi-bin/webhook/send"
        params = {"key": self.config.key.get_secret_value()}
        response = await post(self.client, url, params=params, json=self._body(message), timeout=self.config.timeout)
        body = json_body(response)
        raise_for_code(int(body.get("errcode", -1)), str(body.get("errmsg", "")), rate_limited=RATE_LIMITED)
        return SendResult(status="sent", detail="企业微信已接收（群消息无送达回执）")
