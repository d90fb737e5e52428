"""The console inbox (控制台收件箱): the delivery row itself is the inbox record."""

from __future__ import annotations

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    SendResult,
)


class InboxConfig(NotifierConfig):
    """The inbox needs no settings; the inherited fields are unused."""


class InboxNotifier(Notifier):
    """Delivers by doing nothing: the console shows the delivery row as the message."""

    kind = "inbox"
    title = "控制台收件箱"
    Config = InboxConfig
    capabilities = Capabilities(markdown=True, ack=AckMode.link)

    async def send(self, message: Message) -> SendResult:
        """No I/O: the row the dispatcher holds is already in the recipient's inbox."""
        return SendResult(
            provider_message_id=message.idempotency_key,
            status="delivered",
            detail="已进入控制台收件箱",
        )
