"""Plugin instances for the dispatcher, and one send through them: one per configured channel, with its concurrency limits.

A channel's throttles (the provider's published limits, or the channel's own `rate_count` per
`rate_seconds`) are held in the database per provider account (`DbWindows`), so every engine counts
against the same limit; one semaphore per channel and per provider account bounds what is in flight
here; a provider's Retry-After pauses the channel here at once and, held in the account's window row
(`limits.hold`), on every other engine before its next send on that account.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.deliveries import ChannelConfig, Delivery
from notifiers.base import Notifier, NotifierError, RateLimit, Throttle
from services.deliveries import SendOutcome, build_notifier, limits, message_for

log = logging.getLogger("dutydesk.dispatcher")


@dataclass
class Channel:
    """A live channel: its plugin, its limits, and how long the provider asked us to wait."""

    name: str
    stamp: datetime
    notifiers: list[Notifier]  # one per client shard, sharing one throttle; empty when unusable
    error: str
    limit: asyncio.Semaphore
    account: asyncio.Semaphore
    paused_until: float = 0.0
    turn: int = field(default=0)
    hold_key: str = ""  # the account's window row, where a provider's Retry-After is held for every engine

    @property
    def notifier(self) -> Notifier | None:
        return self.notifiers[0] if self.notifiers else None

    def pick(self) -> Notifier:
        """The next plugin instance, round robin over the client shards."""
        self.turn = (self.turn + 1) % len(self.notifiers)
        return self.notifiers[self.turn]

    def pause(self, seconds: float) -> None:
        """Honour a provider's Retry-After for every message on this channel."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def wait_left(self) -> float:
        return max(0.0, self.paused_until - time.monotonic())


class DbWindows:
    """`notifiers.base.Windows` held in the database: one short transaction per slot, on its own small thread pool
    (not the dispatcher's DB thread, so a throttled burst never delays claims and results)."""

    def __init__(self, db_engine: Engine, *, now: Callable[[], datetime], threads: int = 2) -> None:
        self.db_engine, self.now = db_engine, now  # the dispatcher's clock (tests move a fake one)
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="dispatcher-limits")
        self._holds: dict[str, tuple[float, float]] = {}  # key -> (read at, held until), monotonic
        self._reading: dict[str, asyncio.Future] = {}

    def take_now(self, key: str, limit: RateLimit) -> float:
        with Session(self.db_engine) as s:
            wait = limits.take_slot(session=s, key=key, count=limit.count, per_seconds=limit.per_seconds,
                                    now=self.now().timestamp())
            if wait == 0:
                s.commit()
            return wait

    async def take(self, key: str, limit: RateLimit) -> float:
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, self.take_now, key, limit)
        except Exception:  # the database is away: hold the message (not a try) rather than exceed the limit
            log.warning("provider limit %s not readable; holding the send for a second", key, exc_info=True)
            return 1.0

    HOLD_FRESH = 0.2  # seconds a "not held" answer is trusted: a 429 elsewhere reaches us within this

    def _held_now(self, key: str) -> float:
        with Session(self.db_engine) as s:
            return limits.held_for(session=s, key=key, now=self.now().timestamp())

    async def held(self, key: str) -> float:
        """Seconds the provider's pause on the account `key` still holds, as any engine recorded it."""
        now = time.monotonic()
        read_at, until = self._holds.get(key, (-1e9, 0.0))
        if until > now:
            return until - now
        if now - read_at < self.HOLD_FRESH:
            return 0.0
        pending = self._reading.get(key)
        if pending is None:  # one read per key however many sends ask at once
            pending = asyncio.get_running_loop().run_in_executor(self.executor, self._held_now, key)
            self._reading[key] = pending
            try:
                wait = await pending
            except Exception:  # the database is away: the throttles hold the limit meanwhile
                log.warning("provider hold %s not readable", key, exc_info=True)
                wait = 0.0
            finally:
                self._reading.pop(key, None)
            self._holds[key] = (time.monotonic(), time.monotonic() + wait)
            return wait
        try:
            return await asyncio.shield(pending)
        except Exception:
            return 0.0

    def _hold_now(self, key: str, until: float) -> None:
        with Session(self.db_engine) as s:
            limits.hold(session=s, key=key, until=until)
            s.commit()

    async def hold(self, key: str, seconds: float) -> None:
        """Record a provider's Retry-After on the account `key` for every engine (and here at once)."""
        self._holds[key] = (time.monotonic(), time.monotonic() + seconds)
        until = self.now().timestamp() + seconds
        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, self._hold_now, key, until)
        except Exception:  # this engine still holds it; the others will meet the provider's 429 themselves
            log.warning("provider hold %s not written", key, exc_info=True)

    def close(self) -> None:
        self.executor.shutdown(wait=False)


def share_throttles(row: ChannelConfig, notifiers: list[Notifier], windows: DbWindows | None) -> None:
    """One set of throttles for a channel's plugin instances, its own limit applied, held in `windows`."""
    first = notifiers[0]
    names = [n for n, v in vars(first).items() if isinstance(v, Throttle)]
    if row.rate_count and row.rate_seconds:  # the account's own quota overrides the published one
        first.throttle.limit = RateLimit(count=row.rate_count, per_seconds=row.rate_seconds)
    for name in names:
        throttle = getattr(first, name)
        if windows is not None:
            throttle.windows = windows
            throttle.scope = limits.window_key(row.kind, row.account or row.name, name)
        for n in notifiers[1:]:
            setattr(n, name, throttle)


def hold_key(row: ChannelConfig) -> str:
    """The account's window row: for a robot (one limit per account) the very row its slots are taken from."""
    return f"{limits.window_key(row.kind, row.account or row.name, 'throttle')}:"


class ChannelPool:
    """Builds and caches channels from ChannelConfig rows; rebuilds a channel when its row changes.

    Measured here: one httpx.AsyncClient at 64 concurrent requests managed 59/s to a 50 ms sink,
    16 clients of 4 connections 237/s (httpcore's pool bookkeeping grows with its size). So a
    channel sends through several small clients, one plugin instance each, sharing one throttle.
    """

    PER_CLIENT = 4

    def __init__(self, key: str, clients: list[httpx.AsyncClient], account_concurrency: int = 64,
                 windows: DbWindows | None = None) -> None:
        self.key, self.clients, self.account_concurrency = key, clients, account_concurrency
        self.windows = windows
        self.channels: dict[str, Channel] = {}
        self.accounts: dict[str, asyncio.Semaphore] = {}

    def refresh(self, rows: list[ChannelConfig]) -> None:
        """Bring the cache in line with the configured channels (called on the loop thread)."""
        seen = set()
        for row in rows:
            seen.add(row.name)
            live = self.channels.get(row.name)
            if live is not None and live.stamp == row.updated_at:
                continue
            notifiers, error = [], ""
            if not row.enabled:
                error = f"渠道 {row.name} 已停用"
            else:
                try:
                    shards = self.clients[:max(1, -(-row.max_concurrency // self.PER_CLIENT))]
                    notifiers = [build_notifier(row, self.key, client=c) for c in shards]
                    share_throttles(row, notifiers, self.windows)  # the provider's limit holds per account
                except Exception as exc:  # a bad config fails its messages visibly, not the dispatcher
                    error = f"渠道 {row.name} 配置错误：{getattr(exc, 'reason', exc)}"
                    log.error("channel %s cannot be built: %s", row.name, error)
            account_key = row.account or row.name
            account = self.accounts.setdefault(account_key, asyncio.Semaphore(self.account_concurrency))
            self.channels[row.name] = Channel(row.name, row.updated_at, notifiers, error,
                                              asyncio.Semaphore(row.max_concurrency), account,
                                              paused_until=live.paused_until if live else 0.0,
                                              hold_key=hold_key(row))
        for gone in set(self.channels) - seen:
            self.channels.pop(gone)

    def get(self, name: str) -> Channel | None:
        return self.channels.get(name)


async def send_one(channel: Channel, row: Delivery, public_url: str) -> SendOutcome:
    """One send through the channel's plugin, mapped to an outcome; a Retry-After pauses the channel."""
    notifier = channel.pick()
    try:
        message = message_for(row, notifier, public_url)
        async with asyncio.timeout(notifier.config.timeout + 5):  # in this task: wait_for would start another
            result = await notifier.send(message)
    except TimeoutError:
        return SendOutcome("retryable", error="发送超时")
    except NotifierError as exc:
        result = exc
    except Exception as exc:  # a plugin bug: retry later, and say so
        log.exception("send on %s raised unexpectedly", row.channel)
        result = exc
    outcome = SendOutcome.of(result)
    if outcome.kind == "retryable" and outcome.retry_after:
        channel.pause(outcome.retry_after)
    return outcome
