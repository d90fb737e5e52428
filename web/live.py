"""Live pages: one poller per process tells every open console page which topics changed.

A page that shows live data marks its regions `data-live="incidents deliveries"` and listens on
`/events` (server-sent events). While at least one page listens, one task per process reads
`services.changes.poll` every `INTERVAL` seconds (the engine may be another process, so the
database is the one place every change shows) and puts the changed topics on each listener's
queue. A page that named itself (`page=<its path and query>`) gets its changed regions in the event itself
(`regions`: rendered by the page's own route once per version and scope for every page that shows the same, then
sent down each stream: web/live_regions.py); any other page, or one whose regions could not be pushed, gets the
topic names and the version (`change`) and fetches itself again (web/static/live.js, web/fragments.py).

One poll serves all listeners, so 500 open pages cost one poll every quarter second, not 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from services import changes
from web import live_regions
from web.console.render import page_briefly
from web.deps import Caller, now_utc

log = logging.getLogger("dutydesk.live")
INTERVAL = 0.25  # seconds: half of it is the mean wait of an event; a poll is a few indexed reads
PING = 15  # seconds: keeps proxies from closing an idle stream
RETRY_MS = 3000  # the browser reconnects after this when the stream breaks
router = APIRouter(include_in_schema=False)


class Hub:
    """The listeners of one process and the poller that feeds them."""

    def __init__(self, session_factory, interval: float = INTERVAL):
        self._factory = session_factory
        self._interval = interval
        self._listeners: set[asyncio.Queue] = set()
        self.pages: dict[asyncio.Queue, live_regions.Listener] = {}  # the listeners that get their regions pushed
        self._task: asyncio.Task | None = None
        self.polls = 0
        self.failures = {"poll": 0, "stream": 0, "push": 0}  # server-side failures of live pages, shown on /metrics
        self._epoch, self._changes = secrets.token_hex(4), 0

    @property
    def version(self) -> str:
        """Names the state of the data as of the latest event: it changes with every event and whenever the poller
        starts again (it may have missed changes meanwhile). Pages send it back when they refetch themselves, and
        their regions are rendered once per version (web/fragments.py)."""
        return f"{self._epoch}-{self._changes}"

    def failed(self, kind: str) -> None:
        self.failures[kind] += 1

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def subscribe(self, who: live_regions.Listener | None = None) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=8)
        self._listeners.add(queue)
        if who is not None:
            self.pages[queue] = who
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="dutydesk-live")
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._listeners.discard(queue)
        self.pages.pop(queue, None)

    def publish(self, topics: set[str]) -> None:
        self._changes += 1
        for queue in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):  # a slow page refetches everything anyway
                queue.put_nowait(topics)

    async def _run(self) -> None:
        mark = None
        while self._listeners:
            try:
                if mark is None:
                    self._changes += 1
                    mark = await run_in_threadpool(self._read, None)
                else:
                    topics = await run_in_threadpool(self._read, mark)
                    if topics:
                        self.publish(topics)
            except Exception:  # a database outage must not end live pages: retry at the next tick
                self.failed("poll")
                log.warning("live: polling for changes failed", exc_info=True)
            await asyncio.sleep(self._interval)
        self._task = None

    def _read(self, mark):
        self.polls += 1
        with self._factory() as session:
            return changes.start(session) if mark is None else changes.poll(session, mark)


def hub_of(request: Request) -> Hub:
    state = request.app.state
    if getattr(state, "live_hub", None) is None:
        state.live_hub = Hub(state.read_session_factory)
    return state.live_hub


@router.get("/events")
async def events(request: Request, topics: str = "", page: str = "",
                 c: Caller = Depends(page_briefly("live:read"))):
    wanted = {t for t in topics.replace(",", " ").split() if t in changes.TOPICS} or set(changes.TOPICS)
    hub = hub_of(request)
    who = live_regions.listener(request, c, live_regions.page_of(page), wanted)
    queue = hub.subscribe(who)
    lifetime = request.app.state.settings.web.live_stream_seconds

    async def stream():
        ends = time.monotonic() + lifetime
        try:
            yield ServerSentEvent(event="ready", data=now_utc(request).isoformat(), retry=RETRY_MS)  # the office clock
            while (left := ends - time.monotonic()) > 0:
                try:
                    topics_changed = await asyncio.wait_for(queue.get(), left)
                except TimeoutError:
                    break
                if not (changed := topics_changed & wanted):
                    continue
                version = hub.version
                found = await _pushed(request, hub, who, version, topics_changed)
                if found == live_regions.ENDED:  # the page refetches and is asked to log in; no more events
                    yield ServerSentEvent(event="change", data=" ".join(sorted(changed)), id=version)
                    break
                if data := found and found.event_data(changed, who.csrf):
                    yield ServerSentEvent(event="regions", data=data, id=version)
                else:
                    yield ServerSentEvent(event="change", data=" ".join(sorted(changed)), id=version)
            # a planned end: the page reconnects (and is asked to log in again if its session ended)
            yield ServerSentEvent(event="bye", data="")
        except Exception:  # the page reconnects after RETRY_MS; the failure is counted (/metrics) and logged
            hub.failed("stream")
            log.error("live: an event stream failed", exc_info=True)
            raise
        finally:
            hub.unsubscribe(queue)

    return EventSourceResponse(stream(), ping=PING, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _pushed(request: Request, hub: Hub, who, version: str, topics: set[str]):
    """`who`'s regions at `version` (web/live_regions.py), ENDED, or None: the page refetches itself."""
    if who is None:
        return None
    try:
        return await live_regions.pusher_of(request).regions(version, who, topics, list(hub.pages.values()))
    except Exception:  # e.g. the session check's database outage: the pages refetch, as before
        hub.failed("push")
        log.warning("live: pushing regions failed", exc_info=True)
        return None
