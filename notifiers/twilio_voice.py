"""Twilio voice calls (Calls API 2010-04-01) that read the alert and gather key 1.

Twilio signs every callback with X-Twilio-Signature: base64(HMAC-SHA1(auth token,
full URL + each POST parameter name and value, sorted by name)), as twilio-python's
RequestValidator computes it. Status callbacks and the Gather action share one URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import parsedate_to_datetime
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

import httpx
from pydantic import Field, SecretStr

from notifiers.base import (
    AckMode,
    CallbackRejected,
    CallbackRequest,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    RateLimit,
    RateLimitedError,
    Receipt,
    RetryableError,
    SendResult,
    classify_http,
    post,
)

RATE_LIMITED = {20429}
PERMANENT = {20003, 20404, 21210, 21211, 21214, 21215, 21216, 21217, 21401, 13224}
STATUS_KINDS = {"in-progress": "answered", "completed": "answered", "busy": "busy",
                "no-answer": "no_answer", "failed": "failed", "canceled": "failed"}
# What the web layer answers to the Gather action (Twilio needs TwiML back).
GATHER_REPLY = '<Response><Say language="zh-CN">已确认，谢谢。</Say><Hangup/></Response>'


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """X-Twilio-Signature of a request: URL, then name+value of each param sorted by name."""
    data = url + "".join(name + value for name, value in sorted(set(params)))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port and with the scheme's default port (Twilio signs either)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = parts.port or default
    variants = [url, urlunsplit(parts._replace(netloc=host))]
    if port:
        variants.append(urlunsplit(parts._replace(netloc=f"{host}:{port}")))
    return variants


class TwilioVoiceConfig(NotifierConfig):
    """Settings for one Twilio account and caller number."""

    base_url: str = Field("https://api.twilio.com", description="Twilio REST API base; tests point it at a loopback peer")
    account_sid: str = Field(..., description="Account SID (AC...), also the basic-auth user")
    auth_token: SecretStr = Field(..., description="Auth Token: basic-auth password and callback signing key")
    from_number: str = Field(..., description="Twilio number the call comes from, E.164 (+1...)")
    language: str = Field("zh-CN", description="language of the <Say> text-to-speech")
    gather_timeout: int = Field(30, ge=1, le=60, description="seconds to wait for a key after the prompt (spot checks: 30)")
    ring_timeout: int = Field(60, ge=5, le=600, description="seconds to let the phone ring before giving up")
    callback_url: str = Field("", description="callback URL when a message carries none; empty: no key press ack")
    country_code: str = Field("86", description="country code added to numbers written without one")


class TwilioVoiceNotifier(Notifier):
    """A voice call through Twilio that reads the alert and asks for key 1."""

    kind: ClassVar[str] = "twilio_voice"
    title: ClassVar[str] = "Twilio 语音电话"
    Config: ClassVar[type[NotifierConfig]] = TwilioVoiceConfig
    capabilities: ClassVar[Capabilities] = Capabilities(voice=True, receipts=True, ack=AckMode.key_press)
    # Twilio's default outbound calls-per-second for an account is 1.
    rate_limit: ClassVar[RateLimit | None] = RateLimit(count=1, per_seconds=1)

    config: TwilioVoiceConfig

    def twiml(self, text: str, callback_url: str | None, *, collect_code: bool = False) -> str:
        """The call's TwiML: say the text inside a Gather that posts to the callback: one key, or (collect_code)
        the confirm key and a duty code up to # ("14821"), as the spot check's prompt asks."""
        say = f'<Say language="{self.config.language}">{escape(text)}</Say>'
        if not callback_url:
            return f"<Response>{say}</Response>"
        keys = 'finishOnKey="#"' if collect_code else 'numDigits="1"'
        return (
            f'<Response><Gather {keys} timeout="{self.config.gather_timeout}" '
            f'action={quoteattr(callback_url)} method="POST">{say}</Gather>'
            f'<Say language="{self.config.language}">未收到按键，再见。</Say></Response>'
        )

    async def send(self, message: Message) -> SendResult:
        """Place the call; the result carries the Call SID."""
        raw = message.recipient.address or message.recipient.mobile
        if not raw:
            raise PermanentError(f"收件人 {message.recipient.name} 没有电话号码", code="no_address")
        digits = "".join(ch for ch in raw if ch.isdigit())
        to = raw.strip() if raw.strip().startswith("+") else f"+{self.config.country_code}{digits}"
        await self.throttle.take()
        callback = message.callback_url or self.config.callback_url or None
        form: list[tuple[str, str]] = [
            ("To", to), ("From", self.config.from_number),
            ("Twiml", self.twiml(message.voice_text or message.text, callback, collect_code=message.collect_code)),
            ("Timeout", str(self.config.ring_timeout)),
        ]
        if callback:
            form += [("StatusCallback", callback), ("StatusCallbackMethod", "POST")]
            form += [("StatusCallbackEvent", e) for e in ("initiated", "ringing", "answered", "completed")]
        url = f"{self.config.base_url.rstrip('/')}/2010-04-01/Accounts/{self.config.account_sid}/Calls.json"
        auth = httpx.BasicAuth(self.config.account_sid, self.config.auth_token.get_secret_value())
        response = await post(self.client, url, data=dict(_group(form)), auth=auth, timeout=self.config.timeout)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 and isinstance(body, dict) and "code" in body:
            code, reason = int(body.get("code") or 0), f"{body.get('code')}: {body.get('message', '')}"
            if code in RATE_LIMITED or response.status_code == 429:
                raise RateLimitedError(reason, retry_after=float(response.headers.get("Retry-After", 1)), code=str(code))
            if code in PERMANENT or 400 <= response.status_code < 500:
                raise PermanentError(reason, code=str(code))
            raise RetryableError(reason, code=str(code))
        classify_http(response)
        if not isinstance(body, dict) or not body.get("sid"):
            raise RetryableError(f"应答缺少 sid: {response.text[:200]}", code="bad_response")
        return SendResult(provider_message_id=body["sid"], status="accepted", detail=str(body.get("status", "")))

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Verify X-Twilio-Signature, then map CallStatus and Digits to receipts."""
        given = (request.header("X-Twilio-Signature") or "").encode()  # bytes: compare_digest refuses non-ASCII str
        try:
            text = request.body.decode() if request.method.upper() == "POST" else ""
        except UnicodeDecodeError:
            raise CallbackRejected("回调请求体不是 UTF-8 (body is not UTF-8)") from None
        params = parse_qsl(text, keep_blank_values=True)
        token = self.config.auth_token.get_secret_value()
        if not given or not any(
            hmac.compare_digest(twilio_signature(token, url, params).encode(), given)
            for url in _url_variants(request.url)
        ):
            raise CallbackRejected("X-Twilio-Signature 校验失败")
        fields = dict(params) if params else dict(request.query)  # GET callbacks carry them in the URL
        common = {"provider_message_id": fields.get("CallSid"), "from_address": fields.get("To"),
                  # Twilio repeats this header when it retries a webhook: the event's own id
                  "event_id": request.header("I-Twilio-Idempotency-Token") or None}
        at = parsedate_to_datetime(fields["Timestamp"]) if fields.get("Timestamp") else None
        if fields.get("Digits"):
            return [Receipt(kind="key_press", key=fields["Digits"][:1], text=fields["Digits"], at=at, **common)]
        kind = STATUS_KINDS.get(fields.get("CallStatus", ""))
        if kind is None:  # queued, initiated, ringing: nothing decided yet
            return []
        detail = f"{fields.get('CallStatus')} {fields.get('CallDuration', '')}".strip()
        return [Receipt(kind=kind, at=at, detail=detail, **common)]


def _group(form: list[tuple[str, str]]) -> list[tuple[str, str | list[str]]]:
    """Repeated form names become lists, which httpx sends as repeated fields."""
    grouped: dict[str, list[str]] = {}
    for name, value in form:
        grouped.setdefault(name, []).append(value)
    return [(k, v[0] if len(v) == 1 else v) for k, v in grouped.items()]
