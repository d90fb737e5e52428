"""httpx's connections for the dispatcher on asyncio's own streams, instead of through anyio.

httpx (via httpcore) reaches the network through anyio, whose cancel scopes and attribute lookups cost on every
read and write. Measured here (2 cores, loopback sink, 2,000 POSTs at 16 concurrent, 4 clients of 4
connections): 0.69-0.78 ms of CPU a request through anyio, 0.51-0.61 ms through this backend; a sync
httpx.Client takes 0.39. The dispatcher sends every message through httpx, so this is its largest cost.
httpcore defines the network backend as a plug-in interface (`AsyncNetworkBackend`); this is that
interface over `asyncio.open_connection`, with TLS by `StreamWriter.start_tls` and httpcore's own errors.
httpx offers no argument for it, so `transport()` builds httpx's transport and swaps its pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import typing

import httpcore
import httpx
from httpcore._utils import is_socket_readable

Errors = tuple[type[Exception], type[Exception]]  # (on timeout, on OS error)
CONNECT: Errors = (httpcore.ConnectTimeout, httpcore.ConnectError)
READ: Errors = (httpcore.ReadTimeout, httpcore.ReadError)
WRITE: Errors = (httpcore.WriteTimeout, httpcore.WriteError)


@contextlib.asynccontextmanager
async def _mapped(errors: Errors, timeout: float | None):
    """Run the block within `timeout`, raising httpcore's errors (which httpx maps to its own)."""
    try:
        if timeout is None:
            yield
        else:
            async with asyncio.timeout(timeout):
                yield
    except TimeoutError as exc:
        raise errors[0](str(exc) or "timed out") from exc
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
        raise errors[1](str(exc) or type(exc).__name__) from exc


class Stream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as asyncio's reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        async with _mapped(READ, timeout):
            return await self.reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self.writer.write(buffer)
        transport = self.writer.transport
        if transport.get_write_buffer_size() > transport.get_write_buffer_limits()[1]:
            async with _mapped(WRITE, timeout):  # only a full buffer waits (and needs a timer)
                await self.writer.drain()
        elif transport.is_closing():
            raise httpcore.WriteError("connection closed")

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> Stream:
        async with _mapped(CONNECT, timeout):
            await self.writer.start_tls(ssl_context, server_hostname=server_hostname)
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # httpcore asks before reusing an idle connection: did the server close it?
            # asyncio reads ahead into the reader's buffer, so bytes an idle server sent (or its close) may be
            # there rather than in the socket; StreamReader has no public way to ask, hence `_buffer`.
            sock = self.writer.get_extra_info("socket")
            return (self.reader.at_eof() or bool(getattr(self.reader, "_buffer", b""))
                    or (sock is not None and is_socket_readable(sock)))
        if info == "ssl_object":
            return self.writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self.writer.get_extra_info("sockname")
        if info == "server_addr":
            return self.writer.get_extra_info("peername")
        if info == "socket":
            return self.writer.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio streams."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: typing.Iterable | None = None) -> Stream:
        async with _mapped(CONNECT, timeout):
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(local_address, 0) if local_address else None, limit=2 ** 16)
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return Stream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable | None = None) -> Stream:
        async with _mapped(CONNECT, timeout):
            reader, writer = await asyncio.open_unix_connection(path)
        return Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def transport(*, verify: ssl.SSLContext, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (its request and error mapping) over a pool on `AsyncioBackend`."""
    made = httpx.AsyncHTTPTransport(verify=verify, limits=limits)
    made._pool = httpcore.AsyncConnectionPool(
        ssl_context=verify, max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
        http1=True, http2=False, network_backend=AsyncioBackend())
    return made
