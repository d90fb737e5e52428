"""A lean HTTP/1.1 client for the dispatcher's plain requests, on an asyncio Protocol; httpx for everything else.

Profiled (py-spy --gil, 4,000 webhooks to a zero-latency loopback sink): httpx's request path was half the
pipeline's CPU, ~0.75 ms a message (URL and header models, cookies, auth and redirect layers, httpcore's pool,
h11's state machine, a response stream read in chunks), when the whole goal is 0.6 ms a delivery. This client
does what a send needs and nothing more: a kept-alive connection per request in flight (no pipelining), the
request written as one buffer, the response parsed from the bytes as they arrive (Content-Length, chunked, or
up to the close), returned as an `httpx.Response`, so plugins read it as before. Its errors are httpx's
(ConnectError, ConnectTimeout, ReadTimeout, RemoteProtocolError...), which `notifiers.base.post` maps to
RetryableError as before.

`Client.post` / `get` take `content=` or `json=` with `headers=` and `timeout=`; any other argument (`params`,
`data`, `auth`, `files`...) and every other method go to `fallback`, an httpx.AsyncClient (the one the
dispatcher used for everything before). No proxies: the dispatcher's httpx clients ignored them too (a transport
of its own). A connection whose server sent bytes or closed while it was idle, or idle past `keepalive`
seconds, is not reused.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import ssl
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import httpx

USER_AGENT = b"dutydesk"
_NO_BODY = {204, 304}


class _Conn(asyncio.Protocol):
    """One connection; at most one request on it at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.idle_since = 0.0
        self._head: tuple[int, list, int | None, bool, bool] | None = None  # status, headers, length, chunked, close

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():  # bytes nobody asked for: the connection is not reusable
            self.abort()
            return
        self.buf += data
        try:
            self._parse()
        except httpx.RemoteProtocolError as exc:
            self._fail(exc)

    def eof_received(self) -> bool:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self._head is not None and self._head[2] is None and not self._head[3]:
                self._finish(bytes(self.buf))  # a body delimited by the close
            else:
                self._fail(httpx.RemoteProtocolError("Server disconnected without sending a complete response."))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self._fail(httpx.ReadError(str(exc)) if exc else httpx.RemoteProtocolError(
                "Server disconnected without sending a response."))

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, exc: Exception) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def _finish(self, body: bytes) -> None:
        status, headers, _, _, close = self._head
        self._head = None
        if close:
            self.closed = True
            self.transport.close()
        self.waiter.set_result((status, headers, body))

    def _parse(self) -> None:
        while self._head is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    raise httpx.RemoteProtocolError("response head too long")
                return
            lines = bytes(self.buf[:end]).split(b"\r\n")
            del self.buf[:end + 4]
            parts = lines[0].split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise httpx.RemoteProtocolError(f"malformed status line {lines[0][:80]!r}")
            status = int(parts[1])
            headers, length, chunked, close = [], None, False, parts[0] == b"HTTP/1.0"
            for line in lines[1:]:
                name, sep, value = line.partition(b":")
                if not sep:
                    raise httpx.RemoteProtocolError(f"malformed header {line[:80]!r}")
                name, value = name.strip(), value.strip()
                low = name.lower()
                if low == b"content-length":
                    if not value.isdigit():
                        raise httpx.RemoteProtocolError("bad content-length")
                    length = int(value)
                elif low == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif low == b"connection":
                    close = b"close" in value.lower() or (close and b"keep-alive" not in value.lower())
                headers.append((name, value))
            if 100 <= status < 200:
                continue  # an interim answer (100 Continue): the real one follows
            if status in _NO_BODY or self.method == b"HEAD":
                length, chunked = 0, False
            self._head = (status, headers, length, chunked, close)
        _, _, length, chunked, _ = self._head
        if chunked:
            body = self._chunks()
            if body is not None:
                self._finish(body)
        elif length is not None:
            if len(self.buf) >= length:
                body = bytes(self.buf[:length])
                del self.buf[:length]
                self._finish(body)
        # else: read until the close (eof_received)

    def _chunks(self) -> bytes | None:
        """The whole chunked body once it is all here (trailers skipped), else None."""
        pos, out, buf = 0, [], self.buf
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            try:
                size = int(bytes(buf[pos:eol]).split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError("bad chunk size") from None
            pos = eol + 2
            if size == 0:
                end = buf.find(b"\r\n\r\n", pos - 2)
                if end < 0:
                    return None
                del buf[:end + 4]
                return b"".join(out)
            if len(buf) < pos + size + 2:
                return None
            out.append(bytes(buf[pos:pos + size]))
            pos += size + 2

    method = b""

    def request(self, method: bytes, data: bytes) -> asyncio.Future:
        self.method = method
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter


class Client:
    """Kept-alive connections per origin for plain POST/GET; httpx (`fallback`) for the rest."""

    def __init__(self, fallback: httpx.AsyncClient, *, ssl_context: ssl.SSLContext, timeout: float = 10.0,
                 max_connections: int = 64, keepalive: float = 5.0) -> None:
        self.fallback, self.ssl_context, self.timeout = fallback, ssl_context, timeout
        self.max_connections, self.keepalive = max_connections, keepalive
        self._idle: dict[tuple, deque[_Conn]] = {}
        self._open: dict[tuple, int] = {}
        self._waiting: dict[tuple, deque[asyncio.Future]] = {}
        self._urls: dict[str, tuple] = {}

    def __getattr__(self, name: str) -> Any:  # build_request, send, stream, request, headers...: httpx's
        return getattr(self.fallback, name)

    async def post(self, url: str, *, content: bytes | str | None = None, json: Any = None,
                   headers: dict[str, str] | None = None, timeout: float | None = None, **other: Any) -> httpx.Response:
        if other or (content is not None and json is not None):
            given = {"content": content, "json": json, "headers": headers, "timeout": timeout}
            # unset ones stay unset: timeout=None would mean "no timeout" to httpx, not its client's default
            return await self.fallback.post(url, **{k: v for k, v in given.items() if v is not None}, **other)
        return await self.request_plain(b"POST", url, content, json, headers, timeout)

    async def get(self, url: str, *, headers: dict[str, str] | None = None, timeout: float | None = None,
                  **other: Any) -> httpx.Response:
        if other:
            given = {"headers": headers, "timeout": timeout}
            return await self.fallback.get(url, **{k: v for k, v in given.items() if v is not None}, **other)
        return await self.request_plain(b"GET", url, None, None, headers, timeout)

    def _origin(self, url: str) -> tuple:
        found = self._urls.get(url)
        if found is None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise httpx.UnsupportedProtocol(f"Request URL {url!r} is not an http(s) URL")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            default = port == (443 if parts.scheme == "https" else 80)
            host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            found = ((parts.scheme, parts.hostname, port), (host if default else f"{host}:{port}").encode("idna"),
                     target.encode("ascii"))
            if len(self._urls) > 1024:
                self._urls.clear()
            self._urls[url] = found
        return found

    async def request_plain(self, method: bytes, url: str, content, json, headers, timeout) -> httpx.Response:
        origin, host, target = self._origin(url)
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            if not any(name.lower() == "content-type" for name in headers or {}):  # the caller's wins, as in httpx
                headers = {"content-type": "application/json", **(headers or {})}
        else:
            body = content.encode() if isinstance(content, str) else (content or b"")
        given = {name.lower() for name in headers or {}}  # the caller's host, accept or user-agent wins, as in httpx
        head = [method, b" ", target, b" HTTP/1.1"]
        for name, value in ((b"host", host), (b"accept", b"*/*"), (b"user-agent", USER_AGENT)):
            if name.decode() not in given:
                head += (b"\r\n", name, b": ", value)
        for name, value in (headers or {}).items():
            name_b, value_b = name.encode("ascii"), value.encode("ascii")
            if b"\r" in value_b or b"\n" in value_b or b"\r" in name_b or b"\n" in name_b or b":" in name_b:
                raise httpx.LocalProtocolError(f"illegal header {name!r}")
            head += (b"\r\n", name_b, b": ", value_b)
        if body or method == b"POST":
            head += (b"\r\ncontent-length: ", str(len(body)).encode())
        head.append(b"\r\n\r\n")
        data = b"".join(head) + body
        wait = self.timeout if timeout is None else timeout
        # As httpx: `wait` for a free connection, `wait` to connect, then `wait` for the answer after the write.
        conn = await self._acquire(origin, wait)
        timer = asyncio.get_running_loop().call_later(wait, self._expire, conn)
        reusable = False
        try:
            status, raw, payload = await conn.request(method, data)
            reusable = not conn.closed
        finally:
            timer.cancel()
            self._release(origin, conn, reusable)
        return httpx.Response(status, headers=raw, content=payload)

    @staticmethod
    def _expire(conn: _Conn) -> None:
        if conn.waiter is not None and not conn.waiter.done():
            conn.waiter.set_exception(httpx.ReadTimeout("timed out"))
        conn.abort()

    async def _acquire(self, origin: tuple, wait: float) -> _Conn:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.closed and now - conn.idle_since < self.keepalive:
                return conn
            self._open[origin] -= 1
            conn.abort()
        if self._open.get(origin, 0) >= self.max_connections:
            fut = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(origin, deque()).append(fut)
            try:
                async with asyncio.timeout(wait):
                    conn = await fut
            except TimeoutError:
                raise httpx.PoolTimeout("no connection free in time") from None
            except BaseException:
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    self._release(origin, fut.result(), True)
                raise
            if conn is not None:
                return conn
        self._open[origin] = self._open.get(origin, 0) + 1
        try:
            return await self._connect(origin, wait)
        except BaseException:
            self._open[origin] -= 1
            self._hand_on(origin)
            raise

    async def _connect(self, origin: tuple, wait: float) -> _Conn:
        scheme, hostname, port = origin
        tls = {"ssl": self.ssl_context, "server_hostname": hostname} if scheme == "https" else {}
        try:
            async with asyncio.timeout(wait):
                _, conn = await asyncio.get_running_loop().create_connection(_Conn, hostname, port, **tls)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return conn

    def _release(self, origin: tuple, conn: _Conn, reusable: bool) -> None:
        conn.waiter = None
        if not reusable or conn.closed or conn.buf:
            conn.abort()
            self._open[origin] -= 1
            self._hand_on(origin)
            return
        waiting = self._waiting.get(origin)
        while waiting:
            fut = waiting.popleft()
            if not fut.done():
                fut.set_result(conn)
                return
        conn.idle_since = time.monotonic()
        self._idle.setdefault(origin, deque()).append(conn)

    def _hand_on(self, origin: tuple) -> None:
        """A connection closed: the first waiter may open a new one."""
        waiting = self._waiting.get(origin)
        while waiting:
            fut = waiting.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.abort()
        self._idle.clear()
        await self.fallback.aclose()
