"""The one interface every channel plugin implements.

A plugin turns a rendered `Message` into one provider request and returns a
`SendResult` with the provider's message id, or raises a typed error the
dispatcher knows how to handle (retry later, give up, wait `retry_after`).
Plugins may also verify and parse the provider's callbacks into `Receipt`s.
Plugins import nothing from the rest of dutydesk: configuration comes in.
"""

from __future__ import annotations

import abc
import time
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AckMode(StrEnum):
    """How an acknowledgement can come back through this channel."""

    none = "none"
    link = "link"  # a signed link in the message body
    card = "card"  # a chat card button calling back
    sms_reply = "sms_reply"  # an upstream SMS (上行短信)
    key_press = "key_press"  # a DTMF key during a voice call


class Capabilities(BaseModel):
    """What a channel can carry; the dispatcher and templates read this."""

    model_config = ConfigDict(frozen=True)

    mentions: bool = False
    markdown: bool = False
    voice: bool = False
    receipts: bool = False
    ack: AckMode = AckMode.none
    max_bytes: int | None = Field(None, description="largest body the provider accepts, UTF-8 bytes")


class RateLimit(BaseModel):
    """The provider's published limit, e.g. 20 messages per 60 s per robot."""

    model_config = ConfigDict(frozen=True)

    count: int
    per_seconds: float


class NotifierConfig(BaseModel):
    """Base for each plugin's declared configuration; secrets are SecretStr."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("", description="provider API base URL; tests point it at a loopback peer")
    timeout: float = Field(10.0, gt=0, description="seconds before a request counts as timed out")

    def redacted(self) -> dict[str, Any]:
        """The config with every secret replaced by '***', for logs and the console."""
        out: dict[str, Any] = {}
        for name, value in self:
            out[name] = "***" if isinstance(value, SecretStr) and value.get_secret_value() else (
                "" if isinstance(value, SecretStr) else value
            )
        return out


class Recipient(BaseModel):
    """Who a message goes to, with every address the directory knows."""

    name: str = ""
    mobile: str | None = None
    email: str | None = None
    dingtalk_id: str | None = None
    wecom_id: str | None = None
    feishu_id: str | None = None
    address: str | None = Field(None, description="channel-specific address overriding the above (URL, number)")
    console_account: bool | None = Field(None, description=(
        "whether the person has an active console account when the message was queued (the console inbox reaches "
        "only them); None: not known (an address, not a person)"))
    to_unit: bool = Field(False, description=(
        "a message to a unit as a whole (no person): console_account then says whether the unit has an account "
        "that reads its inbox (a duty officer, reporter or admin of the unit)"))


class Message(BaseModel):
    """A message rendered for one recipient on one channel."""

    idempotency_key: str
    recipient: Recipient
    subject: str = ""
    text: str
    markdown: str | None = None
    voice_text: str | None = Field(None, description="what a voice call reads out (TTS)")
    ack_url: str | None = None
    mention_mobiles: list[str] = Field(default_factory=list)
    template_code: str | None = Field(None, description="provider template id (SMS, voice)")
    template_params: dict[str, str] = Field(default_factory=dict)
    callback_url: str | None = Field(None, description="where the provider should post status callbacks")
    collect_code: bool = Field(False, description="a call that asks for the confirm key, then a code ended by # "
                               "(值班识别码); a provider that gathers digits gathers them all")


class SendResult(BaseModel):
    """A send the provider took: its id, and how sure we are it arrived."""

    provider_message_id: str | None = None
    status: Literal["sent", "accepted", "delivered"] = "sent"
    detail: str = ""


class NotifierError(Exception):
    """Base of the typed failures a send may raise."""

    retryable: ClassVar[bool] = False

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class RetryableError(NotifierError):
    """Try again later: timeouts, 5xx, provider busy."""

    retryable = True


class PermanentError(NotifierError):
    """Do not retry this channel for this message: bad secret, bad number."""


class RateLimitedError(RetryableError):
    """The provider (or our own throttle) says wait `retry_after` seconds."""

    def __init__(self, reason: str, *, retry_after: float, code: str | None = None) -> None:
        super().__init__(reason, code=code)
        self.retry_after = retry_after


class CallbackRejected(Exception):
    """A provider callback with a bad or missing signature or token (answer 401: wrong credentials)."""


class CallbackMalformed(ValueError):
    """An authenticated callback whose body cannot be read (truncated JSON, an unknown event): answer 400 with the
    reason, never 401, which a provider reads as wrong credentials."""


class CallbackRequest(BaseModel):
    """A provider's HTTP callback as the web layer received it."""

    method: str = "POST"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        lname = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lname), None)


class Receipt(BaseModel):
    """What a callback told us about a message or a call."""

    kind: Literal["delivered", "failed", "reply", "answered", "key_press", "no_answer", "busy", "ack"]
    provider_message_id: str | None = None
    from_address: str | None = None
    text: str | None = None
    key: str | None = None
    at: datetime | None = None
    detail: str = ""
    event_id: str | None = None  # the provider's id of this callback event, when it sends one (replays repeat it)


class Windows(Protocol):
    """Where limits are held when several processes send for one account (the engine passes the database's)."""

    async def take(self, key: str, limit: RateLimit) -> float:
        """Take a slot under `key`: 0.0 when taken, else the seconds until one frees."""


class Throttle:
    """Sliding-window limiter applied before any I/O; raises instead of sleeping.

    On its own it counts in this process. Given `windows` (and a `scope`: the provider account), the count is
    held there, shared by every process sending for that account; a refusal is remembered here until the
    slot frees, so a throttled burst asks the shared store once per key."""

    def __init__(self, limit: RateLimit | None, clock=time.monotonic, *, windows: Windows | None = None,
                 scope: str = "") -> None:
        self.limit = limit
        self.clock = clock
        self.windows, self.scope = windows, scope
        self._stamps: dict[str, list[float]] = {}
        self._blocked: dict[str, float] = {}

    def check(self, key: str = "") -> None:
        """Take one slot for `key` in this process or raise RateLimitedError with the wait."""
        if self.limit is None:
            return
        now = self.clock()
        window = [t for t in self._stamps.get(key, []) if now - t < self.limit.per_seconds]
        if len(window) >= self.limit.count:
            wait = self.limit.per_seconds - (now - window[0])
            self._stamps[key] = window
            raise RateLimitedError("local throttle: provider limit reached", retry_after=max(wait, 0.001))
        window.append(now)
        self._stamps[key] = window

    async def take(self, key: str = "") -> None:
        """Take one slot for `key`, shared when `windows` is set; raise RateLimitedError with the wait."""
        if self.limit is None:
            return
        if self.windows is None:
            return self.check(key)
        now = self.clock()
        if self._blocked.get(key, 0.0) > now:
            raise RateLimitedError("local throttle: provider limit reached", retry_after=self._blocked[key] - now)
        wait = await self.windows.take(f"{self.scope}:{key}", self.limit)
        if wait > 0:
            self._blocked[key] = now + wait
            raise RateLimitedError("local throttle: provider limit reached", retry_after=wait)
        self._blocked.pop(key, None)


class Notifier(abc.ABC):
    """One channel. Subclasses set the class attributes and implement `send`."""

    kind: ClassVar[str]
    title: ClassVar[str]  # shown in the console, zh-CN
    Config: ClassVar[type[NotifierConfig]]
    capabilities: ClassVar[Capabilities] = Capabilities()
    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, config: NotifierConfig, *, client: httpx.AsyncClient | None = None, clock=time.monotonic) -> None:
        self.config = config
        self._client = client
        self.throttle = Throttle(self.rate_limit, clock)

    @property
    def client(self) -> httpx.AsyncClient:
        """The injected client, or one made on first use."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.config.timeout)
        return self._client

    def describe(self) -> str:
        """A one-line description with secrets redacted."""
        return f"{self.kind} {self.config.redacted()}"

    @abc.abstractmethod
    async def send(self, message: Message) -> SendResult:
        """Send one message; raise a NotifierError subclass on failure."""

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Verify and parse a provider callback; channels without callbacks accept none."""
        raise CallbackRejected(f"{self.kind} takes no callbacks")

    async def aclose(self) -> None:
        """Close a client this plugin made itself."""
        if self._client is not None:
            await self._client.aclose()


def classify_http(response: httpx.Response) -> None:
    """Raise the typed error an HTTP status implies; return on 2xx."""
    if response.status_code == 429:
        retry_after = response.headers.get("Retry-After", "1")
        try:
            wait = float(retry_after)
        except ValueError:
            wait = 1.0
        raise RateLimitedError(f"HTTP 429: {response.text[:200]}", retry_after=wait, code="429")
    if response.status_code >= 500:
        raise RetryableError(f"HTTP {response.status_code}: {response.text[:200]}", code=str(response.status_code))
    if response.status_code >= 400:
        raise PermanentError(f"HTTP {response.status_code}: {response.text[:200]}", code=str(response.status_code))


async def post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """POST with transport failures mapped to RetryableError."""
    try:
        return await client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise RetryableError(f"timeout: {exc!r}", code="timeout") from exc
    except httpx.TransportError as exc:
        raise RetryableError(f"transport: {exc!r}", code="transport") from exc


async def get(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """GET with transport failures mapped to RetryableError (token endpoints)."""
    try:
        return await client.get(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise RetryableError(f"timeout: {exc!r}", code="timeout") from exc
    except httpx.TransportError as exc:
        raise RetryableError(f"transport: {exc!r}", code="transport") from exc
