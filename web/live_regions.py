"""A change's live regions pushed down the event streams: one render per fragment key, not one refetch per page.

A page tells /events which page it shows (`page=<its path and query>`, one of `LIVE_PAGES`). On a change, one
round per event version (`Pusher.round`) serves every such listener of the process:
- the listeners' sessions are checked in one query (`accounts.resolve_sessions`): a session that ended, expired or
  whose account was disabled gets no regions (its page refetches and is sent to the login page, as before);
- the listeners are grouped by the key web/fragments.py renders by (page, language, the scope the page's route
  decides by). The route names that scope when it renders (`fragments.PUSHED`); until a (page, account) has been
  rendered once its listeners are grouped by the account itself, which is never coarser than the route's scope;
- each group's regions are rendered once, by the page's own route: an in-process GET of the page with one member's
  own headers (cookies included) and `X-Live: <version>` — the same request, authorization and answer as that
  member's refetch, through the same middleware — and are sent to every member with its own session's CSRF token;
- a group whose render does not answer 200 with regions (404, the login page, an outage) or whose regions are
  larger than `MAX_BYTES` gets none: its pages refetch themselves (web/static/live.js), as an old server's do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from services import accounts
from web.deps import SESSION_COOKIE, Caller
from web.fragments import PUSHED, regions_by_id

log = logging.getLogger("dutydesk.live")
# the console pages with live regions (templates with `data-live`): the only pages a stream renders
LIVE_PAGES = re.compile(r"^/(incidents(/[0-9a-f-]{36})?|wall|inbox|deliveries(/[0-9a-f-]{36})?)?$")
MAX_BYTES = 256_000  # a group's regions above this: its pages refetch instead (an event is held in every queue)
ENDED = "ended"  # a listener whose session is no longer valid
_TOPICS = re.compile(r"^<[^>]*\bdata-live=\"([^\"]*)\"")
_HOLE = "csrf-" + secrets.token_hex(16)  # where a pushed region had the rendering session's CSRF token
_DROPPED = (b"accept", b"accept-encoding", b"x-live", b"last-event-id", b"content-length", b"content-type")


def page_of(value: str) -> tuple[str, str] | None:
    """`(path, query)` of a page named by /events' `page`, when it is a same-origin console page with live regions;
    else None (the stream then announces changes only, and the page refetches itself)."""
    if not value or len(value) > 2000 or any(ch < " " or ch == "\\" for ch in value) or not value.startswith("/"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment or not LIVE_PAGES.match(parts.path):
        return None
    return parts.path, parts.query


@dataclass(eq=False)
class Listener:
    """An open page whose stream gets its regions: who it is (the cookie token, checked per round), the page it
    shows, and the request it would refetch with (the stream's own headers: the same browser)."""

    token: str
    csrf: str
    page: tuple[str, str]
    request: dict  # the /events request's ASGI scope, a template for the page's sub-request
    cookies: tuple  # every cookie but the session's: part of the grouping (the language cookie)
    topics: frozenset[str]  # what the page listens to: a round renders only for the pages a change concerns


def listener(request: Request, c: Caller, page: tuple[str, str] | None, topics: set[str]) -> Listener | None:
    token = request.cookies.get(SESSION_COOKIE)
    if page is None or c.via != "cookie" or not token or c.login is None:
        return None
    cookies = tuple(sorted((k, v) for k, v in request.cookies.items() if k != SESSION_COOKIE))
    return Listener(token, c.login.csrf_token, page, request.scope, cookies, frozenset(topics))


class Pusher:
    """The rounds of one process: at most one render per group and version, shared by every listener."""

    def __init__(self, app, read_session_factory):
        self._app, self._factory = app, read_session_factory
        self._rounds: OrderedDict[str, asyncio.Task] = OrderedDict()
        self._scopes: OrderedDict[Hashable, Hashable] = OrderedDict()  # (page, cookies, actor, lang) -> key
        self.renders = 0

    async def regions(self, version: str, who: Listener, topics: set[str], listeners: list[Listener]):
        """`who`'s regions at `version` as {id: (topics, html with a hole for the CSRF token)}, ENDED, or None
        (refetch). The first listener to ask starts the version's round for every listener the change concerns."""
        task = self._rounds.get(version)
        if task is None:
            concerned = [w for w in listeners if w.topics & topics]
            task = self._rounds[version] = asyncio.get_running_loop().create_task(self.round(version, concerned))
            while len(self._rounds) > 4:
                self._rounds.popitem(last=False)
        return (await asyncio.shield(task)).get(who)  # None too for a page that came after the round began

    async def round(self, version: str, listeners: list[Listener]) -> dict:
        clock = getattr(self._app.state, "clock", None)  # tests pin the clock (web.deps.now_utc)
        now = clock() if clock else datetime.now(UTC)
        valid = await run_in_threadpool(self._check, {who.token for who in listeners}, now)
        out, groups = {}, {}
        for who in listeners:
            user = valid.get(who.token)
            if user is None:
                out[who] = ENDED
                continue
            actor = (who.page, who.cookies, Caller(user, None, "cookie").by, user.language)
            groups.setdefault(self._scopes.get(actor, actor), []).append((actor, who))
        for members in groups.values():  # one after the other: the renders share one process's CPU anyway
            shared = await self._render(version, members)
            out.update({who: shared for _, who in members})
        return out

    def _check(self, tokens: set[str], now) -> dict:
        with self._factory() as session:
            return accounts.resolve_sessions(session=session, tokens=tokens, now=now)

    async def _render(self, version: str, members: list) -> dict | None:
        actor, who = members[0]
        pushed: dict = {}
        try:
            status, body = await self._get(who, version, pushed)
        except Exception:  # the pages refetch themselves and get the route's own answer
            log.warning("live: rendering a page's regions for its streams failed", exc_info=True)
            return None
        if "scope" in pushed:  # the route's key: the next rounds group every account of that scope together
            self._scopes[actor] = (who.page, who.cookies, pushed["scope"])
            while len(self._scopes) > 4096:
                self._scopes.popitem(last=False)
        if status != 200 or len(body) > MAX_BYTES:
            return None
        html = body.decode()
        found = Regions({ident: (_topics(element), element.replace(who.csrf, _HOLE)) for ident, element in
                         regions_by_id(html).items()})
        self.renders += 1
        return found or None

    async def _get(self, who: Listener, version: str, pushed: dict) -> tuple[int, bytes]:
        """GET the page in process, as its own refetch would (web/static/live.js), through the whole app."""
        path, query = who.page
        base = who.request
        headers = [(k, v) for k, v in base["headers"] if k not in _DROPPED]
        scope = {"type": "http", "asgi": base.get("asgi", {"version": "3.0"}), "http_version": "1.1", "method": "GET",
                 "scheme": base.get("scheme", "http"), "server": base.get("server"), "client": base.get("client"),
                 "root_path": base.get("root_path", ""), "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), PUSHED: pushed,
                 "headers": [*headers, (b"accept", b"text/html"), (b"x-live", version.encode())]}
        if "state" in base:
            scope["state"] = dict(base["state"])
        status, chunks, done = 500, [], asyncio.Event()
        sent = False

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self._app(scope, receive, send)
        finally:
            done.set()
        return status, b"".join(chunks)


def _topics(element: str) -> frozenset[str]:
    m = _TOPICS.match(element)
    return frozenset(m.group(1).split()) if m else frozenset()


class Regions(dict):
    """A group's rendered regions, {id: (topics, html with a hole for the CSRF token)}; each event's data encoded
    once per set of changed topics for the whole group."""

    def __init__(self, *args):
        super().__init__(*args)
        self._encoded: dict[frozenset, str | None] = {}

    def event_data(self, changed: set[str], csrf: str) -> str | None:
        """The `regions` event's data for one page: its regions of the changed topics, with its own CSRF token."""
        key = frozenset(changed)
        if key not in self._encoded:
            chosen = {ident: html for ident, (topics, html) in self.items() if topics & key}
            self._encoded[key] = json.dumps({"topics": sorted(key), "regions": chosen},
                                            ensure_ascii=False) if chosen else None
        data = self._encoded[key]
        return data.replace(_HOLE, csrf) if data else None


def pusher_of(request: Request) -> Pusher:
    state = request.app.state
    if getattr(state, "live_pusher", None) is None:
        state.live_pusher = Pusher(request.app, state.read_session_factory)
    return state.live_pusher

