"""E-mail over SMTP (电子邮件), stdlib smtplib in a worker thread."""

from __future__ import annotations

import asyncio
import html
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr
from typing import Literal

from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    NotifierError,
    PermanentError,
    RetryableError,
    SendResult,
)


class EmailConfig(NotifierConfig):
    """One SMTP submission account."""

    host: str = Field(description="SMTP server host name")
    port: int = Field(587, description="SMTP port: usually 587 for starttls, 465 for ssl, 25 for none")
    security: Literal["none", "starttls", "ssl"] = Field("starttls", description="transport security")
    verify_tls: bool = Field(True, description="check the server certificate; turn off only for a private test server")
    username: str = Field("", description="login name; empty for a server without AUTH")
    password: SecretStr | None = Field(None, description="login password or app token (授权码)")
    from_address: str = Field(description="sender address, e.g. duty@example.gov.cn")
    from_name: str = Field("值班室", description="sender display name")
    html: bool = Field(True, description="add an HTML alternative with a clickable acknowledge link")


def render(message: Message, config: EmailConfig, to: str) -> EmailMessage:
    """The MIME message: plain text, optional HTML alternative, Message-ID from the idempotency key."""
    mail = EmailMessage()
    mail["Subject"] = message.subject or (message.text.strip().splitlines() or ["值班通知"])[0][:60]
    mail["From"] = formataddr((config.from_name, config.from_address))
    mail["To"] = formataddr((message.recipient.name, to))
    domain = config.from_address.rpartition("@")[2] or "dutydesk.local"
    # Deterministic per delivery, so a retried send can be recognised as the same mail.
    mail["Message-ID"] = f"<dutydesk.{re.sub(r'[^A-Za-z0-9.-]', '-', message.idempotency_key)}@{domain}>"
    ack = f"\n\n确认收到请打开：{message.ack_url}" if message.ack_url else ""
    mail.set_content(message.text + ack)
    if config.html:
        body = html.escape(message.text).replace("\n", "<br>\n")
        if message.ack_url:
            body += f'<p><a href="{html.escape(message.ack_url, quote=True)}">确认收到</a></p>'
        mail.add_alternative(f"<!doctype html><html><body>{body}</body></html>", subtype="html")
    return mail


def _by_code(code: int, reason: str) -> NotifierError:
    """SMTP reply classes: 4xx is transient, 5xx is final."""
    cls = PermanentError if code >= 500 else RetryableError
    return cls(reason, code=str(code))


class EmailNotifier(Notifier):
    """Sends one e-mail to the recipient's address."""

    kind = "email"
    title = "电子邮件"
    Config = EmailConfig
    capabilities = Capabilities(ack=AckMode.link)
    config: EmailConfig

    def _tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if not self.config.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _deliver(self, mail: EmailMessage, to: str) -> None:
        """Blocking SMTP conversation; runs in a worker thread."""
        cfg = self.config
        if cfg.security == "ssl":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=self._tls())
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with smtp:
            if cfg.security == "starttls":
                smtp.starttls(context=self._tls())
            if cfg.username:
                smtp.login(cfg.username, cfg.password.get_secret_value() if cfg.password else "")
            smtp.send_message(mail, to_addrs=[to])

    async def send(self, message: Message) -> SendResult:
        """Send the e-mail; auth failure and 5xx are permanent, 4xx and network trouble retryable."""
        to = message.recipient.address or message.recipient.email
        if not to:
            raise PermanentError("收件人没有电子邮件地址", code="no_address")
        await self.throttle.take()
        mail = render(message, self.config, to)
        try:
            await asyncio.to_thread(self._deliver, mail, to)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP 登录失败: {exc.smtp_code} {exc.smtp_error!r}", code=str(exc.smtp_code)) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(f"SMTP 服务器不支持: {exc}", code="not_supported") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, f"收件人被拒: {code} {reply!r}") from exc
        except smtplib.SMTPConnectError as exc:
            raise RetryableError(f"SMTP 连接失败: {exc}", code="connect") from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"SMTP 证书校验失败: {exc}", code="tls") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"SMTP 连接问题: {exc!r}", code="transport") from exc
        return SendResult(provider_message_id=mail["Message-ID"], status="sent", detail="SMTP 服务器已接收")
