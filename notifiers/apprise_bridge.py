"""Any Apprise service (Apprise 通用通道) for channels dutydesk has no plugin of its own for."""

from __future__ import annotations

import asyncio

import apprise
from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RetryableError,
    SendResult,
)


class AppriseConfig(NotifierConfig):
    """One Apprise URL; it usually carries the service's credentials, hence secret."""

    url: SecretStr | None = Field(None, description="Apprise URL (e.g. json://host/path); a recipient's address overrides")


def _reason(result: object) -> str:
    """The last warning or error Apprise logged for this call, for the console."""
    entries = [e for e in getattr(result, "logs", lambda: [])() if e.level in ("WARNING", "ERROR")]
    return entries[-1].message[:200] if entries else "Apprise 报告发送失败（无详细原因）"


class AppriseNotifier(Notifier):
    """Hands the message to Apprise; Apprise cannot tell whether it arrived."""

    kind = "apprise"
    title = "Apprise 通用通道"
    Config = AppriseConfig
    capabilities = Capabilities(markdown=True, ack=AckMode.link)
    config: AppriseConfig

    def _notify(self, url: str, message: Message) -> None:
        """One blocking Apprise call with its own retries off (the dispatcher retries)."""
        asset = apprise.AppriseAsset(async_mode=False)
        asset.default_service_retry = 0
        service = apprise.Apprise.instantiate(url, asset=asset)
        if service is None:
            raise PermanentError("无法识别的 Apprise URL", code="bad_url")
        service.retry = 0  # a ?retry= in the URL would otherwise resend on its own
        bundle = apprise.Apprise(asset=asset)
        bundle.add(service)
        body = message.markdown if message.markdown is not None else message.text
        if message.ack_url:
            body += f"\n\n确认收到：{message.ack_url}"
        fmt = apprise.NotifyFormat.MARKDOWN if message.markdown is not None else apprise.NotifyFormat.TEXT
        result = bundle.notify(body=body, title=message.subject, body_format=fmt, timeout=self.config.timeout)
        if not result:
            raise RetryableError(_reason(result), code="apprise")

    async def send(self, message: Message) -> SendResult:
        """Run Apprise in a worker thread; success only means the service accepted the request."""
        secret = self.config.url.get_secret_value() if self.config.url else ""
        url = message.recipient.address or secret
        if not url:
            raise PermanentError("未配置 Apprise URL", code="no_address")
        await self.throttle.take()
        await asyncio.to_thread(self._notify, url, message)
        return SendResult(status="accepted", detail="Apprise 已提交，未经服务方确认送达")
