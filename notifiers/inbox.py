"""The console inbox (控制台收件箱): the delivery row itself is the inbox record."""

from __future__ import annotations

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    SendResult,
)

NO_ACCOUNT = "无法送达：该人员没有控制台账号"  # the failure's reason (the console words it in English as well)
NO_UNIT_ACCOUNT = "该单位没有可接收的控制台账号"  # a message to a unit whose inbox nobody reads


class InboxConfig(NotifierConfig):
    """The inbox needs no settings; the inherited fields are unused."""


class InboxNotifier(Notifier):
    """Delivers by doing nothing: the console shows the delivery row as the message."""

    kind = "inbox"
    title = "控制台收件箱"
    Config = InboxConfig
    capabilities = Capabilities(markdown=True, ack=AckMode.link)

    async def send(self, message: Message) -> SendResult:
        """No I/O: the row the dispatcher holds is already in the recipient's inbox; for a person without an active
        console account, or to a unit with no account that reads the unit's inbox, nobody can read it there: a
        permanent failure, so the ladder's next channel is tried (or the delivery fails, alerted like any other)."""
        if message.recipient.console_account is False:
            raise PermanentError(NO_UNIT_ACCOUNT if message.recipient.to_unit else NO_ACCOUNT, code="no_address")
        return SendResult(
            provider_message_id=message.idempotency_key,
            status="delivered",
            detail="已进入控制台收件箱",
        )
