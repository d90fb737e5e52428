"""Plugin instances for the dispatcher: one per configured channel, with its concurrency limits.

One instance per channel keeps its throttle window; one semaphore per channel and per
provider account bounds what is in flight; a provider's Retry-After pauses the channel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from models.deliveries import ChannelConfig
from notifiers.base import Notifier
from services.deliveries import build_notifier

log = logging.getLogger("dutydesk.dispatcher")


@dataclass
class Channel:
    """A live channel: its plugin, its limits, and how long the provider asked us to wait."""

    name: str
    stamp: datetime
    notifier: Notifier | None
    error: str
    limit: asyncio.Semaphore
    account: asyncio.Semaphore
    paused_until: float = 0.0
    sent: int = field(default=0)

    def pause(self, seconds: float) -> None:
        """Honour a provider's Retry-After for every message on this channel."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def wait_left(self) -> float:
        return max(0.0, self.paused_until - time.monotonic())


class ChannelPool:
    """Builds and caches channels from ChannelConfig rows; rebuilds a channel when its row changes."""

    def __init__(self, key: str, client: httpx.AsyncClient, account_concurrency: int = 64) -> None:
        self.key, self.client, self.account_concurrency = key, client, account_concurrency
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
            notifier, error = None, ""
            if not row.enabled:
                error = f"渠道 {row.name} 已停用"
            else:
                try:
                    notifier = build_notifier(row, self.key, client=self.client)
                except Exception as exc:  # a bad config fails its messages visibly, not the dispatcher
                    error = f"渠道 {row.name} 配置错误：{getattr(exc, 'reason', exc)}"
                    log.error("channel %s cannot be built: %s", row.name, error)
            account_key = row.account or row.name
            account = self.accounts.setdefault(account_key, asyncio.Semaphore(self.account_concurrency))
            self.channels[row.name] = Channel(row.name, row.updated_at, notifier, error,
                                              asyncio.Semaphore(row.max_concurrency), account,
                                              paused_until=live.paused_until if live else 0.0)
        for gone in set(self.channels) - seen:
            self.channels.pop(gone)

    def get(self, name: str) -> Channel | None:
        return self.channels.get(name)
