"""Security headers on every response, and which proxies' X-Forwarded-For is believed."""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# No inline script or style anywhere in the console (web/static/*.js and app.css carry them), so the policy
# allows only the app's own files; frame-ancestors 'none' keeps the console out of other sites' frames.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# /docs is FastAPI's Swagger UI page: one inline script starting the Swagger UI the package ships
# (web/static/vendor/swagger-ui); it shows no data of its own (the API answers it under the strict policy),
# so only it gets this one. Nothing is loaded from elsewhere.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})


def _headers(path: str, hsts: bool) -> list[tuple[bytes, bytes]]:
    out = [(b"content-security-policy", (DOCS_CSP if path in DOCS_PATHS else CSP).encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
           (b"referrer-policy", b"same-origin"),  # ack links and iCal tokens stay out of other sites' logs
           (b"cross-origin-opener-policy", b"same-origin")]
    if hsts:
        out.append((b"strict-transport-security", b"max-age=31536000"))
    return out


class SecurityHeaders:
    """Adds the headers above to every HTTP response (errors, redirects, static files and callbacks included),
    keeping any a handler set itself. Plain ASGI, like web.app.RequestId."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _headers(scope.get("path", ""), self.hsts)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()), *(h for h in extra if h[0] not in have)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ForwardedFor:
    """uvicorn's X-Forwarded-For handling for the trusted proxies, except that a hop that is not an IP address
    (`X-Forwarded-For: evil`, which uvicorn would take as the client) leaves the peer's address in place: the
    login throttles and the audit notes key on a real address."""

    def __init__(self, app: ASGIApp, *, trusted_hosts: list[str]) -> None:
        self.proxy = ProxyHeadersMiddleware(self._ip_only(app), trusted_hosts=trusted_hosts)

    @staticmethod
    def _ip_only(app: ASGIApp) -> ASGIApp:
        async def checked(scope: Scope, receive: Receive, send: Send) -> None:
            client = scope.get("client")
            if client and client != scope.get("dutydesk.peer"):
                try:
                    ipaddress.ip_address(client[0])
                except ValueError:
                    scope["client"] = scope.get("dutydesk.peer")
            await app(scope, receive, send)
        return checked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "dutydesk.peer": scope.get("client")}
        await self.proxy(scope, receive, send)


def install(app, settings) -> None:
    """The security middleware of an app: headers always; X-Forwarded-* only from `web.trusted_proxies`.

    uvicorn's own proxy handling is switched off in `dutydesk serve` (it trusts 127.0.0.1 by default, and
    FORWARDED_ALLOW_IPS=* trusts anyone): the app decides, from settings, with uvicorn's middleware."""
    app.add_middleware(SecurityHeaders, hsts=settings.web.secure_cookies)
    if settings.web.proxies:
        app.add_middleware(ForwardedFor, trusted_hosts=settings.web.proxies)
