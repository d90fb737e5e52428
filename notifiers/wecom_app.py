"""WeCom self-built app message (企业微信应用消息) to one member."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RateLimit,
    SendResult,
    get,
    post,
)
from notifiers.errcodes import json_body, raise_for_code
from notifiers.text import fit

TEXT_MAX_BYTES = 2048
CARD_TITLE_MAX_BYTES = 128
CARD_DESCRIPTION_MAX_BYTES = 512
TOKEN_INVALID = {40014, 42001}  # invalid / expired access_token: refresh once
RATE_LIMITED = {45009: 60.0, 45033: 60.0}
TOKEN_MARGIN = 300.0  # refresh five minutes before WeCom says the token expires


class WeComAppConfig(NotifierConfig):
    """One self-built app (自建应用) of one corporation."""

    base_url: str = Field("https://qyapi.weixin.qq.com", description="WeCom API base URL")
    corp_id: str = Field(description="corporation id (企业ID)")
    corp_secret: SecretStr = Field(description="the app's Secret")
    agent_id: int = Field(description="the app's AgentId")


class WeComAppNotifier(Notifier):
    """Sends text, markdown or a textcard whose button is the ack link, to one member."""

    kind = "wecom_app"
    title = "企业微信应用消息"
    Config = WeComAppConfig
    capabilities = Capabilities(markdown=True, ack=AckMode.link, max_bytes=TEXT_MAX_BYTES)
    # WeCom: an app may send one member at most 30 messages a minute.
    rate_limit = RateLimit(count=30, per_seconds=60)
    config: WeComAppConfig

    def __init__(self, config: WeComAppConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def access_token(self, *, refresh: bool = False) -> str:
        """The cached app access_token, fetched again when expired or refused."""
        async with self._token_lock:
            if refresh or self._token is None or time.monotonic() >= self._token_expires:
                url = f"{self.config.base_url.rstrip('/')}/cgi-bin/gettoken"
                params = {"corpid": self.config.corp_id, "corpsecret": self.config.corp_secret.get_secret_value()}
                body = json_body(await get(self.client, url, params=params, timeout=self.config.timeout))
                raise_for_code(int(body.get("errcode", -1)), str(body.get("errmsg", "")), rate_limited=RATE_LIMITED)
                self._token = str(body["access_token"])
                self._token_expires = time.monotonic() + float(body.get("expires_in", 7200)) - TOKEN_MARGIN
            return self._token

    def _body(self, message: Message, touser: str) -> dict[str, Any]:
        """The app message: textcard when there is an ack link, else markdown or text."""
        base = {"touser": touser, "agentid": self.config.agent_id}
        if message.ack_url:
            # The whole card opens the ack link, so a cut description needs no link of its own.
            card = {
                "title": fit(message.subject or "值班通知", CARD_TITLE_MAX_BYTES),
                "description": fit(message.text, CARD_DESCRIPTION_MAX_BYTES),
                "url": message.ack_url,
                "btntxt": "确认收到",
            }
            return base | {"msgtype": "textcard", "textcard": card}
        head = f"{message.subject}\n" if message.subject else ""
        if message.markdown is not None:
            bold = f"**{message.subject}**\n" if message.subject else ""
            content = fit(bold + message.markdown, TEXT_MAX_BYTES)
            return base | {"msgtype": "markdown", "markdown": {"content": content}}
        return base | {"msgtype": "text", "text": {"content": fit(head + message.text, TEXT_MAX_BYTES)}}

    async def send(self, message: Message) -> SendResult:
        """Send to the recipient's WeCom user id; refresh the token once if WeCom refuses it."""
        touser = message.recipient.address or message.recipient.wecom_id
        if not touser:
            raise PermanentError("收件人没有企业微信账号（wecom_id）", code="no_address")
        await self.throttle.take(touser)
        url = f"{self.config.base_url.rstrip('/')}/cgi-bin/message/send"
        payload = self._body(message, touser)
        for attempt in (0, 1):
            token = await self.access_token(refresh=attempt == 1)
            response = await post(
                self.client, url, params={"access_token": token}, json=payload, timeout=self.config.timeout
            )
            body = json_body(response)
            code = int(body.get("errcode", -1))
            if code not in TOKEN_INVALID or attempt == 1:
                break
        raise_for_code(code, str(body.get("errmsg", "")), rate_limited=RATE_LIMITED)
        if touser in str(body.get("invaliduser", "")).split("|"):
            raise PermanentError(f"企业微信不认识该成员：{touser}", code="invaliduser")
        return SendResult(provider_message_id=body.get("msgid"), status="sent", detail="企业微信已接收")
