"""The dispatcher's lean HTTP/1.1 client (engine/http1.py) behaves as httpx does for a plugin's requests.

The same loopback servers as test_asyncio_net: HTTPS with a certificate made here, a server that never answers,
a closed port, a server that closes an idle kept-alive connection; and answers with a body (Content-Length,
chunked, up to the close), JSON requests, and anything else handed to httpx.
"""

from __future__ import annotations

import asyncio
import json
import ssl

import httpx
import pytest

from engine import http1
from tests.deliveries.test_asyncio_net import Server, _certificate, _serve
from tests.peers import free_port


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _client(verify: ssl.SSLContext | None = None, timeout: float = 5.0, fallback=None) -> http1.Client:
    return http1.Client(fallback or httpx.AsyncClient(timeout=timeout),
                        ssl_context=verify or httpx.create_ssl_context(), timeout=timeout)


@pytest.mark.anyio
async def test_https_with_a_verified_certificate_and_one_kept_connection(tmp_path):
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    peer = Server()
    srv, port = await _serve(peer, server_tls)
    client = _client(ssl.create_default_context(cafile=cert))
    async with srv:
        for i in range(3):
            r = await client.post(f"https://127.0.0.1:{port}/hook", content=b'{"n":%d}' % i)
            assert r.status_code == 204
        await client.aclose()
    assert (peer.requests, peer.connections) == (3, 1)


@pytest.mark.anyio
async def test_an_untrusted_certificate_is_refused(tmp_path):
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    srv, port = await _serve(Server(), server_tls)
    client = _client()  # the system's CAs only
    async with srv:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"https://127.0.0.1:{port}/hook", content=b"{}")
        await client.aclose()


@pytest.mark.anyio
async def test_a_server_that_never_answers_is_a_timeout_and_its_connection_is_dropped():
    peer = Server("silent")
    srv, port = await _serve(peer)
    client = _client(timeout=0.3)
    async with srv:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
        assert client._open[("http", "127.0.0.1", port)] == 0
        await client.aclose()


@pytest.mark.anyio
async def test_a_closed_port_is_a_connect_error():
    client = _client()
    with pytest.raises(httpx.ConnectError):
        await client.post(f"http://127.0.0.1:{free_port()}/hook", content=b"{}")
    await client.aclose()


@pytest.mark.anyio
async def test_an_idle_connection_the_server_closed_is_not_reused():
    peer = Server("close_after_one")
    srv, port = await _serve(peer)
    client = _client()
    async with srv:
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")).status_code == 204
            await asyncio.sleep(0.05)  # the server's close reaches us
        await client.aclose()
    assert (peer.requests, peer.connections) == (3, 3)


class Answers:
    """Answers each request with the next canned response (raw bytes), recording what it was sent."""

    def __init__(self, *answers: bytes) -> None:
        self.answers, self.seen, self.connections = list(answers), [], 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                self.seen.append((head, await reader.readexactly(length)))
                answer = self.answers.pop(0)
                for i in range(0, len(answer), 7):  # in small pieces: the parser must wait for the rest
                    writer.write(answer[i:i + 7])
                    await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.mark.anyio
async def test_bodies_by_length_chunked_and_up_to_the_close_and_a_json_request():
    peer = Answers(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 13\r\nX-Ogw-Ratelimit-Reset: 3\r\n\r\n{\"errcode\":0}",
                   b"HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"4\r\nslow\r\n5;x=y\r\n down\r\n0\r\nTrailer: z\r\n\r\n",
                   b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\n\xe5\xbf\x99")
    srv, port = await _serve(peer)
    client = _client()
    url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=abc"
    async with srv:
        r = await client.post(url, json={"text": "值班"}, headers={"X-Trace": "1"})
        assert (r.status_code, r.json(), r.headers["x-ogw-ratelimit-reset"]) == (200, {"errcode": 0}, "3")
        r = await client.post(url, content="再次")
        assert (r.status_code, r.text, r.headers.get("Retry-After")) == (429, "slow down", "2")
        r = await client.get(url)
        assert (r.status_code, r.text) == (500, "忙")
        await client.aclose()
    head, body = peer.seen[0]
    assert head.startswith(b"POST /cgi-bin/webhook/send?key=abc HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:%d\r\n" % port in head and b"\r\nX-Trace: 1\r\n" in head
    assert b"content-type: application/json" in head and json.loads(body) == {"text": "值班"}
    assert peer.seen[1][1] == "再次".encode() and peer.seen[2][0].startswith(b"GET /cgi-bin/webhook/send?key=abc ")
    assert peer.connections == 1  # the first two kept one connection; the close came with the third


@pytest.mark.anyio
async def test_other_arguments_go_to_httpx_and_a_header_with_a_line_break_is_refused():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": 1})
    client = _client(fallback=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    r = await client.post("https://api.example/send", params={"access_token": "t"}, json={"a": 1})
    assert r.json() == {"ok": 1} and seen[0].url.params["access_token"] == "t"
    await client.get("https://api.example/token", params={"corpid": "c"})
    assert seen[1].url.params["corpid"] == "c"
    with pytest.raises(httpx.LocalProtocolError):
        await client.post("http://127.0.0.1:9/hook", content=b"{}", headers={"webhook-id": "a\r\nx: y"})
    await client.aclose()
