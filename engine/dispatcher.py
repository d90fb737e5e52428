"""The delivery dispatcher (engine part): claims due outbox rows and sends them through the plugins.

It runs its own asyncio loop in a dedicated thread inside `dutydesk serve`: one shared
httpx.AsyncClient, bounded concurrency per channel and per provider account, results
written back in small batches under each row's claim token. It wakes every `poll`
seconds, and at once after a transaction that enqueued something commits (`notify_new`).
Leases of rows in flight are renewed; rows a dead worker left in `sending` become
`unknown` (services.deliveries.recover_stale), never resent blindly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from engine import asyncio_net, http1
from engine.channel_pool import ChannelPool, DbWindows, send_one
from engine.dispatch_store import DispatchStore
from rules.deliveries import RetryPolicy
from services import deliveries
from services.deliveries import SendOutcome

log = logging.getLogger("dutydesk.dispatcher")
RUNNING: list["Dispatcher"] = []


def notify_new() -> None:
    """Wake every dispatcher in this process: new rows are due."""
    for d in list(RUNNING):
        d.wake()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Claim → send → record, continuously; `run_until_idle` serves tests and the CLI."""

    def __init__(self, db_engine, *, key: str, public_url: str, worker: str | None = None, poll: float = 0.5,
                 batch: int = 200, max_inflight: int = 512, lease_seconds: float = 60.0, renew_every: float = 5.0,
                 account_concurrency: int = 64, policy: RetryPolicy = RetryPolicy(), now=_utcnow,
                 client: httpx.AsyncClient | None = None, shards: int = 16) -> None:
        self.db_engine, self.key, self.public_url = db_engine, key, public_url
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.poll, self.batch, self.max_inflight = poll, batch, max_inflight
        self.lease_seconds, self.renew_every, self.policy, self.now = lease_seconds, renew_every, policy, now
        self.account_concurrency = account_concurrency
        self._client, self.shards = client, shards
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._stop = False
        self.inflight: dict[uuid.UUID, uuid.UUID] = {}  # delivery id -> claim token
        self.results: asyncio.Queue | None = None
        self.sent = 0
        self.recorded = 0  # results written back
        self.unrecorded = 0  # results sent but not yet written back
        self.ready = threading.Event()  # set once clients and channels are loaded
        self.store = DispatchStore(db_engine, worker=self.worker, now=now, policy=policy,
                                   lease_seconds=lease_seconds)
        self._more_due = False  # the last claim was cut short by `batch` or `max_inflight`
        # Claim again only once this much room is free (or nothing is in flight): one claim per freed slot
        # cost a transaction per message (profiled: 424 claims for 3,000 messages, 30% of the CPU).
        self.min_claim = max(1, min(batch, max_inflight) // 4)

    def start(self) -> None:
        """Run in a dedicated thread with its own event loop."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.run_forever()), name="dispatcher", daemon=True)
        self._thread.start()
        RUNNING.append(self)
        deliveries.WAKE_HOOKS.append(self.wake)

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the sends in flight, record them, and stop the thread."""
        self._stop = True
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
        if self in RUNNING:
            RUNNING.remove(self)
        if self.wake in deliveries.WAKE_HOOKS:
            deliveries.WAKE_HOOKS.remove(self.wake)

    def wake(self) -> None:
        """Thread-safe: look for due rows now rather than at the next poll."""
        if self._loop is not None and self._event is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._event.set)

    async def _setup(self) -> None:
        self._loop, self._event, self.results = asyncio.get_running_loop(), asyncio.Event(), asyncio.Queue()
        if self._client is not None:
            clients = [self._client]
        else:  # small clients, see ChannelPool
            limits = httpx.Limits(max_connections=ChannelPool.PER_CLIENT, max_keepalive_connections=ChannelPool.PER_CLIENT)
            tls = httpx.create_ssl_context()  # one context for all shards: each costs ~25 ms of CPU to build
            # Plain POSTs and GETs (every webhook) go through http1's lean client; the rest through httpx.
            clients = [http1.Client(httpx.AsyncClient(transport=asyncio_net.transport(verify=tls, limits=limits),
                                                      timeout=10.0), ssl_context=tls, timeout=10.0,
                                   max_connections=ChannelPool.PER_CLIENT)
                       for _ in range(self.shards)]
        self.windows = DbWindows(self.db_engine, now=self.now)
        self.pool = ChannelPool(self.key, clients, self.account_concurrency, self.windows)
        self._owned = clients if self._client is None else []
        self._tasks: set[asyncio.Task] = set()
        self._db_thread = ThreadPoolExecutor(1, thread_name_prefix="dispatcher-db")
        self._writer = asyncio.create_task(self._write_results())
        # Channels are built now, not on the first message (plugin imports, secrets, clients: ~3 s cold).
        await self._guard(self._load_channels)
        self.ready.set()

    async def _teardown(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.results.join()
        self._writer.cancel()
        self._db_thread.shutdown(wait=True)
        self.windows.close()
        for c in self._owned:
            await c.aclose()

    async def run_forever(self) -> None:
        """The loop of `dutydesk serve`: claim, send, renew leases, recover, sleep until woken."""
        await self._setup()
        last_upkeep = 0.0
        try:
            while not self._stop:
                if time.monotonic() - last_upkeep >= self.renew_every:
                    last_upkeep = time.monotonic()
                    await self._guard(self._upkeep)
                self._event.clear()  # before the claim: a commit landing during it must still wake us
                await self._guard(self._claim_and_start)
                if not (self._more_due and self._room_to_claim()):
                    try:
                        await asyncio.wait_for(self._event.wait(), self.poll)
                    except TimeoutError:
                        pass
        finally:
            await self._teardown()

    async def run_until_idle(self, timeout: float = 30.0) -> int:
        """Send everything due now (and retries falling due within `timeout`), then return the count sent."""
        await self._setup()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                started = await self._claim_and_start()
                if not started and not self._tasks and not self.unrecorded:
                    if not await self._db(self.store.due_soon, deadline - time.monotonic()):
                        break
                    await asyncio.sleep(0.05)
                elif not started:
                    await asyncio.sleep(0.01)
        finally:
            await self._teardown()
        return self.sent

    async def _db(self, fn, *args):
        """Database work on the dispatcher's one DB thread: its own claims and writes never contend."""
        return await self._loop.run_in_executor(self._db_thread, fn, *args)

    async def _guard(self, fn):
        try:
            return await fn()
        except Exception:  # the database may be down for a moment: keep the loop alive, say so
            log.exception("dispatcher step %s failed; retrying", fn.__name__)
            await asyncio.sleep(min(self.poll * 4, 2.0))
            return 0

    async def _load_channels(self) -> int:
        channels = await self._db(self.store.read_channels)
        if channels is not None:
            self.pool.refresh(channels)
        return 0

    async def _upkeep(self) -> int:
        await self._db(self.store.renew_and_recover, list(set(self.inflight.values())))
        return 0

    def _room_to_claim(self) -> bool:
        return not self.inflight or self.max_inflight - len(self.inflight) >= self.min_claim

    async def _claim_and_start(self) -> int:
        room = min(self.batch, self.max_inflight - len(self.inflight))
        if room <= 0:
            self._more_due = True  # full: a finished send makes room
            return 0
        if not self._room_to_claim():
            return 0  # wait for a batch's worth of room
        rows, channels = await self._db(self.store.claim, room)
        self._more_due = len(rows) >= room  # got all it asked for: more may be waiting
        if channels is not None:
            self.pool.refresh(channels)
        for row in rows:
            self.inflight[row.id] = row.claim_token
            task = asyncio.create_task(self._send(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def _send(self, row) -> None:
        channel = self.pool.get(row.channel)
        started = time.monotonic()
        if channel is None or channel.notifier is None:
            outcome = SendOutcome("permanent", error=channel.error if channel else f"渠道 {row.channel} 未配置")
        elif channel.wait_left() > 0:
            outcome = SendOutcome("throttled", error="服务商要求稍后重试", retry_after=channel.wait_left())
        elif (held := await self.windows.held(channel.hold_key)) > 0:  # another engine met the provider's 429
            channel.pause(held)
            outcome = SendOutcome("throttled", error="服务商要求稍后重试", retry_after=held)
        else:
            async with channel.limit, channel.account:
                outcome = await send_one(channel, row, self.public_url)
            if outcome.kind == "retryable" and outcome.retry_after:
                await self.windows.hold(channel.hold_key, outcome.retry_after)
        if outcome.kind in ("sent", "delivered"):
            self.sent += 1
        self.unrecorded += 1
        await self.results.put((row.id, row.claim_token, outcome, self.now(), int((time.monotonic() - started) * 1000)))
        self.inflight.pop(row.id, None)
        # A freed slot matters only when rows are waiting (otherwise new rows wake us: notify_new, poll), and
        # only once a batch's worth of room is free.
        if self._more_due and self._room_to_claim():
            self._event.set()

    async def _write_results(self) -> None:
        while True:
            batch = [await self.results.get()]
            await asyncio.sleep(0.005)  # gather what else finished meanwhile: one transaction for many
            while not self.results.empty() and len(batch) < 500:
                batch.append(self.results.get_nowait())
            while True:
                try:
                    await self._db(self.store.record, batch)
                    break
                except Exception:  # keep the results until the database takes them
                    log.exception("recording %d delivery results failed; retrying", len(batch))
                    await asyncio.sleep(1.0)
            for _ in batch:
                self.results.task_done()
            self.unrecorded -= len(batch)
            self.recorded += len(batch)


def start(clock, settings, db_engine) -> Dispatcher:
    """Engine part: start the dispatcher thread and stop it with the clock."""
    from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN

    dispatcher = Dispatcher(db_engine, key=settings.secret_key.get_secret_value(), public_url=settings.public_url,
                            lease_seconds=settings.ops.delivery_lease_seconds)
    dispatcher.start()
    clock.scheduler.add_listener(lambda _event: dispatcher.stop(), EVENT_SCHEDULER_SHUTDOWN)
    log.info("delivery dispatcher %s started", dispatcher.worker)
    return dispatcher
