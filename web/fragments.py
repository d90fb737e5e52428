"""A live page's regions, rendered once per change for everyone who would see the same thing.

When a change is announced (web/live.py), every open page needs its live regions again: the event stream renders
them itself for the pages that named themselves (web/live_regions.py, by an in-process GET of the page), any other
page fetches them: either way the request carries `X-Live: <version>`, the version the event carried. 500 open boards would be 500 renders of the same board
at the same instant (bench/bench_live.py: 4–14 s on 2 cores); here the first request renders, the others wait
for it and share its answer, which holds only the page's live regions (the elements marked `data-live` with an
id: all that live.js swaps in).

An entry is keyed by the event's version, the path and query, the language and the *scope* the page's services
decide by — the board and the wall by the caller's role and unit scope (`Actor.scope`: a unit reporter's own
unit, None for the office), the dashboard, an incident page and the inbox by the whole actor (they show "mine",
"acknowledged by me") — so two callers who would be shown different data never share an entry. The session's
CSRF token is taken out of a stored entry and put back for each request. An entry lives `TTL` seconds at most
(countdowns and "overdue" depend on the time as well as on the data). A request without a version (no JavaScript,
a first load, a page coming back from an outage) renders the whole page, as always.

Written here rather than taken from a cache library: the part that matters is that 500 simultaneous requests
for one key cost one render (the others wait for it), which `functools.lru_cache` and `cachetools` do not do.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from web.console.render import language
from web.deps import Caller

TTL = 5.0  # seconds
SIZE = 512  # entries (a board's regions are a few KB)
VERSION = re.compile(r"^[0-9a-f]{8}-\d{1,12}$")  # web.live.Hub.version
_HOLE = "csrf-" + secrets.token_hex(16)  # where a stored entry had the session's CSRF token
PUSHED = "dutydesk.live_regions"  # set on a sub-request of web/live_regions.py: live_page names its scope there
_START = re.compile(r"<([a-z][a-z0-9]*)\b[^>]*\bdata-live=\"[^\"]*\"[^>]*>")


def _outermost(html: str):
    """(id, element) of the outermost elements of `html` that carry both `data-live` and an id, in order."""
    pos = 0
    while m := _START.search(html, pos):
        tag = m.group(1)
        ident = re.search(r"\bid=\"([^\"]+)\"", m.group(0))
        if not ident:
            pos = m.end()
            continue
        depth, end = 1, len(html)
        for t in re.finditer(rf"<(/?){tag}\b[^>]*>", html[m.end():]):
            depth += -1 if t.group(1) else 1
            if depth == 0:
                end = m.end() + t.end()
                break
        yield ident.group(1), html[m.start():end]
        pos = end


def regions(html: str) -> str:
    """The outermost elements of `html` that carry both `data-live` and an id, one after the other."""
    return "\n".join(element for _, element in _outermost(html))


def regions_by_id(html: str) -> dict[str, str]:
    """The same elements by their id (what web/live_regions.py pushes down a page's event stream)."""
    return dict(_outermost(html))


class _Uncacheable(Exception):
    def __init__(self, response: Response):
        self.response = response


class Fragments:
    """Rendered live regions by key, at most `size` of them, each for `ttl` seconds; one render per key at once."""

    def __init__(self, ttl: float = TTL, size: int = SIZE):
        self._ttl, self._size = ttl, size
        self._entries: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()
        self._making: dict[Hashable, Future] = {}
        self._lock = threading.Lock()
        self.renders = 0
        self.shared = 0

    def get(self, key: Hashable, make: Callable[[], str]) -> str:
        """The entry for `key`, made with `make()` unless it is fresh or being made (then its result is awaited)."""
        with self._lock:
            found = self._entries.get(key)
            if found and found[0] > time.monotonic():
                self._entries.move_to_end(key)
                self.shared += 1
                return found[1]
            making = self._making.get(key)
            if making is None:
                making = self._making[key] = Future()
                mine = True
            else:
                mine = False
                self.shared += 1
        if not mine:
            return making.result()  # the maker's answer, or its exception
        try:
            body = make()
        except BaseException as exc:
            with self._lock:
                self._making.pop(key, None)
            making.set_exception(exc)
            raise
        with self._lock:
            self.renders += 1
            self._entries[key] = (time.monotonic() + self._ttl, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            self._making.pop(key, None)
        making.set_result(body)
        return body


def fragments_of(request: Request) -> Fragments:
    state = request.app.state
    if getattr(state, "live_fragments", None) is None:
        state.live_fragments = Fragments()
    return state.live_fragments


def live_page(request: Request, c: Caller, scope: Hashable, page: Callable[[], Response]) -> Response:
    """`page()` (the whole page), or for a live refetch with an event's version the page's live regions, shared
    by every caller of the same `scope` (what the page's services decide by: see the module's docstring)."""
    version = request.headers.get("X-Live", "")
    if not VERSION.match(version):
        return page()
    csrf = c.login.csrf_token if c.login else ""

    def make() -> str:
        response = page()
        if response.status_code != 200:
            raise _Uncacheable(response)
        body = regions(response.body.decode())
        return body.replace(csrf, _HOLE) if csrf else body

    key = (version, request.url.path, request.url.query, language(request, c), scope)
    if (pushed := request.scope.get(PUSHED)) is not None:  # a render for an event stream: it learns the scope
        pushed["scope"] = (language(request, c), scope)
    try:
        body = fragments_of(request).get(key, make)
    except _Uncacheable as exc:
        return exc.response
    return HTMLResponse(body.replace(_HOLE, csrf) if csrf else body, headers={"Cache-Control": "no-store"})

