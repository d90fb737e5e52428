"""The dispatcher's httpx connections on asyncio streams (engine/asyncio_net.py) behave as httpx's own do.

Real loopback servers: HTTPS with a certificate made here (providers are all HTTPS), a server that never
answers (a timeout, not a hang), a closed port, and a server that closes an idle kept-alive connection (the
next message still goes, on a new connection).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from engine import asyncio_net
from tests.peers import free_port

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _certificate(tmp_path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


class Server:
    """A tiny HTTP/1.1 server: answers 204 to each request (or never, or closes after one)."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode, self.connections, self.requests = mode, 0, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.requests += 1
                if self.mode == "silent":
                    await asyncio.sleep(30)
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
                if self.mode == "close_after_one":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _serve(server: Server, tls: ssl.SSLContext | None = None):
    port = free_port()
    return await asyncio.start_server(server.handle, "127.0.0.1", port, ssl=tls), port


def _client(verify: ssl.SSLContext | None = None, timeout: float = 5.0) -> httpx.AsyncClient:
    verify = verify or httpx.create_ssl_context()
    return httpx.AsyncClient(transport=asyncio_net.transport(verify=verify, limits=LIMITS), timeout=timeout)


@pytest.mark.anyio
async def test_https_with_a_verified_certificate_and_one_kept_connection(tmp_path):
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    peer = Server()
    srv, port = await _serve(peer, server_tls)
    async with srv, _client(ssl.create_default_context(cafile=cert)) as client:
        for i in range(3):
            r = await client.post(f"https://127.0.0.1:{port}/hook", content=b'{"n":%d}' % i)
            assert r.status_code == 204
    assert (peer.requests, peer.connections) == (3, 1)


@pytest.mark.anyio
async def test_an_untrusted_certificate_is_refused(tmp_path):
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    srv, port = await _serve(Server(), server_tls)
    async with srv, _client() as client:  # the system's CAs only
        with pytest.raises(httpx.ConnectError):
            await client.post(f"https://127.0.0.1:{port}/hook", content=b"{}")


@pytest.mark.anyio
async def test_a_server_that_never_answers_is_a_timeout():
    srv, port = await _serve(Server("silent"))
    async with srv, _client(timeout=0.3) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")


@pytest.mark.anyio
async def test_a_closed_port_is_a_connect_error():
    async with _client() as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{free_port()}/hook", content=b"{}")


@pytest.mark.anyio
async def test_an_idle_connection_the_server_closed_is_not_reused():
    peer = Server("close_after_one")
    srv, port = await _serve(peer)
    async with srv, _client() as client:
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")).status_code == 204
            await asyncio.sleep(0.05)  # the server's close reaches us
    assert (peer.requests, peer.connections) == (3, 3)
