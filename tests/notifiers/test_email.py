"""E-mail through a real aiosmtpd server on loopback: plain, AUTH, STARTTLS, refusals."""

from __future__ import annotations

import shutil

import pytest

from notifiers.base import PermanentError, RetryableError
from notifiers.email import EmailConfig, EmailNotifier
from tests.notifiers.conftest import make_message
from tests.peers import free_port
from tests.peers.smtp import MailSink, login_only, self_signed, smtp_server

pytestmark = pytest.mark.anyio
ACK = "https://duty.example.gov.cn/ack/e1"
FROM = "duty@example.gov.cn"


@pytest.fixture
def sink() -> MailSink:
    return MailSink()


def notifier(port: int, **overrides) -> EmailNotifier:
    cfg = dict(host="127.0.0.1", port=port, security="none", from_address=FROM, timeout=2)
    return EmailNotifier(EmailConfig(**(cfg | overrides)))


async def test_plain_mail_arrives_with_text_html_and_message_id(sink):
    with smtp_server(sink) as port:
        result = await notifier(port).send(make_message(ack_url=ACK))
    (rcpts, mail), = sink.mails
    assert rcpts == ["zhangwei@example.gov.cn"]
    assert mail["Subject"] == "【突发事件】城东化工厂火情" and "值班室" in mail["From"]
    assert mail["Message-ID"].strip() == result.provider_message_id and "inc-42" in result.provider_message_id
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "城东化工厂 14:05" in plain and ACK in plain
    assert f'href="{ACK}"' in html and "确认收到" in html


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_auth_login_and_wrong_password(sink):
    auth = dict(authenticator=login_only("duty", "s3cret"), auth_required=True, auth_require_tls=False)
    with smtp_server(sink, **auth) as port:
        await notifier(port, username="duty", password="s3cret").send(make_message())
        with pytest.raises(PermanentError) as err:
            await notifier(port, username="duty", password="wrong").send(make_message())
    assert err.value.code == "535" and len(sink.mails) == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI for a test certificate")
async def test_starttls_with_auth(sink, tmp_path):
    tls = dict(tls_context=self_signed(tmp_path), require_starttls=True, authenticator=login_only("duty", "pw"),
               auth_required=True)
    with smtp_server(sink, **tls) as port:
        await notifier(port, security="starttls", verify_tls=False, username="duty", password="pw").send(
            make_message())
        with pytest.raises(PermanentError, match="证书校验失败"):
            await notifier(port, security="starttls", username="duty", password="pw").send(make_message())
        with pytest.raises(PermanentError):  # the server insists on STARTTLS before AUTH
            await notifier(port, username="duty", password="pw").send(make_message())
    assert len(sink.mails) == 1


async def test_recipient_refusals_by_reply_class(sink):
    sink.refuse = {"gone@example.gov.cn": "550 5.1.1 mailbox unavailable",
                   "busy@example.gov.cn": "451 4.3.0 try again later"}
    with smtp_server(sink) as port:
        with pytest.raises(PermanentError) as err:
            await notifier(port).send(make_message(recipient={"name": "离职", "email": "gone@example.gov.cn"}))
        assert err.value.code == "550"
        with pytest.raises(RetryableError) as err:
            await notifier(port).send(make_message(recipient={"name": "忙", "email": "busy@example.gov.cn"}))
        assert err.value.code == "451"
    assert sink.mails == []


async def test_connection_refused_is_retryable_and_no_address_permanent():
    with pytest.raises(RetryableError):
        await notifier(free_port()).send(make_message())
    with pytest.raises(PermanentError, match="电子邮件地址"):
        await notifier(25).send(make_message(recipient={"name": "无邮箱"}))
