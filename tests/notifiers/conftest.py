"""Shared fixtures for channel tests: an asyncio backend, an httpx client and a manual clock."""

from __future__ import annotations

import httpx
import pytest

from notifiers.base import Message, Recipient


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client():
    """A real httpx client; plugins get it injected, as the dispatcher will do."""
    async with httpx.AsyncClient() as c:
        yield c


class ManualClock:
    """A monotonic clock the test moves by hand, so throttle windows need no sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make_message(**overrides) -> Message:
    """A typical alert: an incident notice for the duty officer with an ack link."""
    fields = dict(
        idempotency_key="inc-42:step-1:u-7:ch",
        recipient=Recipient(name="张伟", mobile="13800138000", email="zhangwei@example.gov.cn",
                            wecom_id="zhangwei", feishu_id="ou_abc"),
        subject="【突发事件】城东化工厂火情",
        text="城东化工厂 14:05 发生火情，请值班领导立即确认。",
        ack_url=None,
    )
    fields.update(overrides)
    return Message(**fields)
