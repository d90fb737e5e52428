"""Per-recipient channel fallback and delivery retry backoff; pure (randomness passed in)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class AttemptOutcome(StrEnum):
    delivered = "delivered"
    retryable = "retryable"  # timeout, 5xx, rate limited
    permanent = "permanent"  # bad number, blocked, rejected by the provider
    unknown = "unknown"  # crashed mid-send: not resent blindly on the same channel


@dataclass(frozen=True)
class Attempt:
    channel: str
    outcome: AttemptOutcome


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None  # None: delivered, or nothing left to try
    retry: bool = False  # same channel again
    exhausted: bool = False  # every channel failed: make it visible
    reason: str = ""


def next_channel(ladder: Sequence[str], attempts: Sequence[Attempt], max_retryable: int = 3) -> ChannelChoice:
    """The channel to use next for one recipient: stay until permanent/repeated failure, then fall back."""
    if any(a.outcome is AttemptOutcome.delivered for a in attempts):
        return ChannelChoice(None, reason="已送达")
    for channel in ladder:
        mine = [a for a in attempts if a.channel == channel]
        if any(a.outcome in (AttemptOutcome.permanent, AttemptOutcome.unknown) for a in mine):
            continue
        retryable = sum(a.outcome is AttemptOutcome.retryable for a in mine)
        if retryable >= max_retryable:
            continue
        if retryable:
            return ChannelChoice(channel, retry=True, reason=f"{channel}第{retryable + 1}次尝试")
        return ChannelChoice(channel, reason=f"改用{channel}" if attempts else f"使用{channel}")
    return ChannelChoice(None, exhausted=True, reason="所有渠道均发送失败")


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    cap_seconds: float = 300.0
    max_retryable: int = 3  # per channel, before falling back


def retry_delay(
    attempt: int,
    base: float = 2.0,
    cap: float = 300.0,
    *,
    rng: random.Random | None = None,
    jitter_seed: int | None = None,
    retry_after: float | None = None,
) -> float:
    """Seconds before retry number `attempt` (1-based): capped exponential, equal jitter, ≥ retry_after."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    ceiling = min(cap, base * 2 ** min(attempt - 1, 62))
    if rng is None and jitter_seed is not None:
        rng = random.Random(jitter_seed)
    delay = ceiling if rng is None else ceiling / 2 + rng.uniform(0, ceiling / 2)
    # the provider's Retry-After is a floor, even past the cap
    return max(delay, retry_after or 0.0)
