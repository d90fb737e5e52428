"""The FastAPI application: REST API, console, ops endpoints, callbacks."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import logs
from core.db import readonly as db_readonly
from core.db import session_scope
from core.errors import ServiceError
from core.settings import Settings
from services.audit.checks import Keeper
from web import live, ops, security
from web.api.routes import router as api_router
from web.boundary import Boundary
from web.console.render import LoginRedirect, render
from web.console.routes import router as console_router
from web.extensions import Extensions

log = logging.getLogger("dutydesk.web")
STATIC = Path(__file__).parent / "static"


def create_app(*, settings: Settings, engine: Engine, extensions: Extensions, lifespan=None,
               session_factory=None) -> FastAPI:
    """Build the app (the composition root calls this); tests pass their own session factory and no lifespan."""
    app = FastAPI(title="dutydesk", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="值班值守与突发事件信息报送 — duty and emergency-reporting workflow")
    _offline_docs(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.extensions = extensions
    app.state.audit_keeper = Keeper.of(settings)  # the audit chain's key and anchors (services/audit/checks.py)
    app.state.session_factory = session_factory or (lambda: session_scope(engine))
    # GET/HEAD requests read; on SQLite they must not wait for the write lock.
    read_engine = db_readonly(engine)
    app.state.read_session_factory = session_factory or (lambda: session_scope(read_engine))
    app.state.clock = None
    app.state.db_admission = asyncio.Semaphore(settings.db.pool_size)  # web.deps.get_session

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(ops.router)
    app.include_router(api_router, prefix="/api")
    app.include_router(console_router)
    app.include_router(live.router)
    _install_error_handlers(app)

    app.add_middleware(Boundary, max_body_bytes=settings.web.max_body_bytes)  # before routing and authentication
    app.add_middleware(RequestId)
    security.install(app, settings)
    return app


def _offline_docs(app: FastAPI) -> None:
    """/docs with Swagger UI served from the package (web/static/vendor/swagger-ui, from npm swagger-ui-dist):
    FastAPI's default loads it from a CDN, which an intranet does not have. (No /redoc: one API browser is enough.)"""
    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="dutydesk API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg",
                                   oauth2_redirect_url="/docs/oauth2-redirect")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def docs_redirect():
        return get_swagger_ui_oauth2_redirect_html()


class RequestId:
    """Every request gets an id (the caller's X-Request-ID or a new one), named by each line logged for it and
    returned in the response. Plain ASGI: Starlette's BaseHTTPMiddleware ran each request in an extra task."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = rid or uuid.uuid4().hex[:16]
        raw = rid.encode("latin-1")

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", raw)]
            await send(message)

        token = logs.request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)


def create_ops_app(*, settings: Settings, engine: Engine, extensions: Extensions, lifespan=None) -> FastAPI:
    """The app of an engine-role process: /healthz, /readyz and /metrics only."""
    app = FastAPI(title="dutydesk engine", lifespan=lifespan)
    app.state.settings, app.state.engine, app.state.extensions, app.state.clock = settings, engine, extensions, None
    app.include_router(ops.router)
    security.install(app, settings)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRedirect)
    async def to_login(request: Request, exc: LoginRedirect):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", None, status_code=exc.status_code, status=exc.status_code,
                      message=exc.detail)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError):
        return JSONResponse({"detail": exc.as_detail()}, status_code=exc.status)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError):
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return JSONResponse({"detail": [{"loc": ["body"], "msg": "conflicts with existing data",
                                         "type": "Conflict"}]}, status_code=409)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError):
        # The last line of defence: validation should have refused it with the field named (value too long, out
        # of range for its column); a request the database refuses is still the caller's, never a 500.
        log.warning("data error on %s: %s", request.url.path, exc.orig)
        return JSONResponse({"detail": [{"loc": ["body"], "msg": "数据不符合字段的长度或范围 (a value does not fit "
                                         "its field's length or range)", "type": "DataError"}]}, status_code=422)

    @app.exception_handler(OperationalError)
    async def db_down(request: Request, exc: OperationalError):
        log.error("database unavailable on %s: %s", request.url.path, exc.orig)
        return JSONResponse({"detail": "database unavailable, retrying"}, status_code=503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)
