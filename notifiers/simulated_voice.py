"""A voice-provider simulator for the demo (模拟语音，演示用): no real call is placed.

`send` accepts a call and returns a call id at once, as Aliyun's IvrCall does; then, in the
background on the running asyncio loop, it POSTs provider-style callbacks to the message's
`callback_url` (`?token=<callback_token>`) after short delays: answered and a key press for
most numbers, no answer or busy for numbers matching the configured patterns. So the whole
automated path (outbox, dispatcher, /callbacks, receipts, spot-check rules) runs as with a
provider. Refused in production: it reads DUTYDESK_ENVIRONMENT itself, because a guard about the
deployment cannot be left to the channel's own configuration.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import os
import uuid
from datetime import UTC, datetime
from typing import ClassVar, Literal

import httpx
from pydantic import Field, SecretStr, ValidationError, model_validator

from notifiers.base import (
    AckMode,
    CallbackMalformed,
    CallbackRequest,
    Capabilities,
    Message,
    Notifier,
    NotifierConfig,
    PermanentError,
    Receipt,
    SendResult,
)
from notifiers.callback_token import (
    TOKEN_PARAM,
    json_items,
    mainland_number,
    require_token,
)

log = logging.getLogger("dutydesk.notifiers.simulated_voice")
Event = Literal["answered", "key_press", "no_answer", "busy", "failed"]
EVENTS = ("answered", "key_press", "no_answer", "busy", "failed")


def in_production() -> bool:
    """True when this process runs as a production deployment."""
    return os.environ.get("DUTYDESK_ENVIRONMENT", "").strip().lower() == "production"


class SimulatedVoiceConfig(NotifierConfig):
    """Delays and number patterns of the simulated provider."""

    callback_token: SecretStr = Field(..., description="shared token the simulated callbacks carry as ?token=")
    answer_seconds: float = Field(2.0, ge=0, le=60, description="seconds from the call to the 'answered' callback")
    key_seconds: float = Field(2.0, ge=0, le=60, description="seconds from answering to the key press")
    give_up_seconds: float = Field(3.0, ge=0, le=120, description="seconds until a no-answer or busy callback")
    key: str = Field("1", pattern=r"^[0-9*#]$", description="the key the simulated callee presses")
    no_answer_patterns: list[str] = Field(default_factory=list,
                                          description="number patterns (fnmatch, digits) that never answer")
    busy_patterns: list[str] = Field(default_factory=list, description="number patterns (fnmatch) that are busy")
    duty_codes: dict[str, str] = Field(default_factory=dict,
                                       description="number pattern (fnmatch) -> the duty code (值班识别码) the callee "
                                       "keys after the confirm key, then #")
    callback_attempts: int = Field(10, ge=1, le=60,
                                   description="tries per callback until the app matched it (1 s apart)")

    @model_validator(mode="after")
    def _not_in_production(self) -> "SimulatedVoiceConfig":
        if in_production():
            raise ValueError("模拟语音（演示用）不拨打真实电话，生产环境 (DUTYDESK_ENVIRONMENT=production) 不能配置；"
                             "请改用 aliyun_vms 或 twilio_voice")
        return self


class SimulatedVoiceNotifier(Notifier):
    """Simulated IVR calls: answers and presses 1, or no answer / busy by number pattern."""

    kind: ClassVar[str] = "simulated_voice"
    title: ClassVar[str] = "模拟语音（演示用）"
    Config: ClassVar[type[NotifierConfig]] = SimulatedVoiceConfig
    capabilities: ClassVar[Capabilities] = Capabilities(voice=True, receipts=True, ack=AckMode.key_press)

    config: SimulatedVoiceConfig

    def __init__(self, config: NotifierConfig, **kwargs) -> None:
        super().__init__(config, **kwargs)
        self._calls: set[asyncio.Task] = set()  # held so the loop does not drop a running call

    def describe(self) -> str:
        """Says plainly that no real call is placed."""
        return f"{self.kind} 模拟语音（演示用，不拨打真实电话）{self.config.redacted()}"

    def keys(self, number: str) -> str:
        """What the simulated callee keys: the configured key, then the number's duty code and # if it has one."""
        digits = number.replace("-", "")
        code = next((c for p, c in self.config.duty_codes.items()
                     if fnmatch.fnmatchcase(digits, p.replace("-", ""))), "")
        return self.config.key + (f"{code}#" if code else "")

    def script(self, number: str) -> list[tuple[float, Event]]:
        """What the simulated callee does: (delay in seconds, callback event) in order."""
        digits = number.replace("-", "")
        c = self.config
        if any(fnmatch.fnmatchcase(digits, p.replace("-", "")) for p in c.no_answer_patterns):
            return [(c.give_up_seconds, "no_answer")]
        if any(fnmatch.fnmatchcase(digits, p.replace("-", "")) for p in c.busy_patterns):
            return [(c.give_up_seconds, "busy")]
        return [(c.answer_seconds, "answered"), (c.key_seconds, "key_press")]

    async def send(self, message: Message) -> SendResult:
        """Accept the call and play its callbacks in the background; the result carries the call id."""
        raw = message.recipient.address or message.recipient.mobile
        if not raw:
            raise PermanentError(f"收件人 {message.recipient.name} 没有电话号码", code="no_address")
        if not message.callback_url:
            raise PermanentError("模拟语音需要回调地址 (callback_url)", code="no_callback_url")
        number = mainland_number(raw)
        call_id = f"sim-{uuid.uuid4().hex}"
        task = asyncio.get_running_loop().create_task(self._play(call_id, number, message.callback_url))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return SendResult(provider_message_id=call_id, status="accepted", detail="模拟呼叫已受理（演示用）")

    async def _play(self, call_id: str, number: str, url: str) -> None:
        sep = "&" if "?" in url else "?"
        target = f"{url}{sep}{TOKEN_PARAM}={self.config.callback_token.get_secret_value()}"
        async with httpx.AsyncClient(timeout=self.config.timeout) as client:
            for delay, event in self.script(number):
                await asyncio.sleep(delay)
                body = {"call_id": call_id, "callee": number, "event": event,
                        "key": self.keys(number) if event == "key_press" else None,
                        "at": datetime.now(UTC).isoformat(), "detail": "模拟呼叫"}
                if not await self._post(client, target, body):
                    return

    async def _post(self, client: httpx.AsyncClient, target: str, body: dict) -> bool:
        """POST one callback until the app matched it to the call (our result may not be recorded yet)."""
        for _ in range(self.config.callback_attempts):
            try:
                r = await client.post(target, json=body)
            except httpx.HTTPError as exc:
                log.warning("simulated callback %s not delivered: %r", body["event"], exc)
            else:
                if r.status_code in (401, 403, 404):
                    log.error("simulated callback %s refused: HTTP %s %s", body["event"], r.status_code, r.text[:200])
                    return False
                if r.status_code < 300 and _matched(r):
                    return True
            await asyncio.sleep(1.0)
        log.error("simulated callback %s for %s never matched a call", body["event"], body["call_id"])
        return False

    def parse_callback(self, request: CallbackRequest) -> list[Receipt]:
        """Token-checked simulated callbacks to call receipts."""
        require_token(self.config.callback_token, request)
        out: list[Receipt] = []
        for item in json_items(request.body):
            event = item.get("event")
            if event not in EVENTS or not item.get("call_id"):
                raise CallbackMalformed(f"模拟回调缺少 call_id 或事件未知: {event!r}")
            try:
                out.append(Receipt(kind=event, provider_message_id=str(item["call_id"]), from_address=item.get("callee"),
                                   key=item.get("key"), text=item.get("key"), at=_when(item.get("at")),
                                   detail=str(item.get("detail") or "模拟呼叫")))
            except ValidationError as exc:
                raise CallbackMalformed(f"模拟回调内容无效: {exc.errors()[0].get('msg')}") from exc
        return out

    async def aclose(self) -> None:
        """Let calls in progress finish their callbacks briefly, then close."""
        if self._calls:
            await asyncio.wait(set(self._calls), timeout=5)
        await super().aclose()


def _matched(response: httpx.Response) -> bool:
    try:
        return int(response.json().get("matched", 1)) > 0
    except (ValueError, AttributeError):
        return True


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
