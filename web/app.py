"""The FastAPI application: REST API, console, ops endpoints, callbacks."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import logs
from core.db import readonly as db_readonly
from core.db import session_scope
from core.errors import ServiceError, in_language
from core.settings import Settings
from services import audit
from services.audit.checks import Keeper
from web import live, ops, security
from web.api.routes import router as api_router
from web.boundary import Boundary
from web.console.i18n import translate
from web.console.render import HomeRedirect, LoginRedirect, field_label, language, refused_page, render, wants_page
from web.console.routes import router as console_router
from web.deps import Refused
from web.extensions import Extensions
from web.problems import http_detail, in_one_language, in_words, problems

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

    # before routing and authentication; a browser's refused console form gets a page naming the field, not JSON
    app.add_middleware(Boundary, max_body_bytes=settings.web.max_body_bytes, page=refused_page)
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


def _where(request: Request, field: str | None) -> str:
    """Where a service's refused field came from: the path (`/api/users/{user_id}`), the query, else the body."""
    if field and field in request.path_params:
        return "path"
    if field and field in request.query_params:
        return "query"
    return "body"


async def _audit_refusal(request: Request, exc: Exception, status: int, reason: str, field: str | None) -> None:
    """An access check refused the caller (another unit's record, an action their role may not take): an
    "access_refused" audit entry with the actor, the target and the reason. Written in a write transaction of its
    own: the request's session has ended by the time a handler runs, so a refused GET never writes from a read
    transaction (on SQLite that answered 503 "database is locked" whenever anything else wrote). Best effort: a
    refusal is answered even when the entry cannot be written."""
    actor = getattr(exc, "refused_by", None)
    if not actor:
        return
    target = {"method": request.method, "path": request.url.path, "status": status}
    if field:
        target["field"] = field
        value = request.path_params.get(field) or request.query_params.get(field)
        if value:
            target["value"] = str(value)[:100]
    now = (request.app.state.clock or (lambda: datetime.now(UTC)))()

    def write() -> None:
        with request.app.state.session_factory() as writer:  # commits on leaving
            audit.record(session=writer, actor=actor, action="access_refused", entity="access",
                         entity_id=target.get("value", ""), after=target, note=reason[:500], at=now)

    try:
        await run_in_threadpool(write)
    except Exception:  # noqa: BLE001 - the refusal itself must still be answered
        log.warning("could not audit the refusal of %s on %s", actor, request.url.path, exc_info=True)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRedirect)
    async def to_login(request: Request, exc: LoginRedirect):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(HomeRedirect)
    async def to_home(request: Request, exc: HomeRedirect):
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        await _audit_refusal(request, exc, exc.status_code, str(exc.detail), None)
        if not wants_page(request):
            detail = http_detail(request, exc.status_code, exc.detail)  # one language, the framework's too
            if isinstance(exc, Refused):  # the caller's role is what is refused: said where, like every refusal
                detail = [{"loc": ["role"], "msg": detail, "type": "Forbidden"}]
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
        message, lang = exc.detail, language(request)
        if message == HTTPStatus(exc.status_code).phrase:  # Starlette's own English ("Not Found"): in the page's words
            key = f"error.http_{exc.status_code}"
            message = translate(key, lang) if translate(key, lang) != key else \
                translate("error.http", lang).format(status=exc.status_code)
        response = render(request, "error.html", None, status_code=exc.status_code, status=exc.status_code,
                          message=message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError):
        await _audit_refusal(request, exc, exc.status, exc.reason, exc.field)
        headers = getattr(exc, "headers", None)  # e.g. Retry-After of a 503 (web/parsing.Busy)
        if wants_page(request):  # a console link to what the caller may not see: the reason, on a page
            response = render(request, "error.html", None, status_code=exc.status, status=exc.status,
                              message=in_language(exc.reason, language(request)), field=exc.field)
            response.headers.update(headers or {})
            return response
        return JSONResponse({"detail": in_one_language(request, exc.as_detail(where=_where(request, exc.field)))},
                            status_code=exc.status, headers=headers)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError):
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        if wants_page(request):
            return render(request, "error.html", None, status_code=409, status=409,
                          message=translate("error.conflict", language(request)))
        return JSONResponse({"detail": [{"loc": ["body"], "msg": in_words(request, "与已有数据冲突",
                                                                                  "conflicts with existing data"),
                                         "type": "Conflict"}]}, status_code=409)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError):
        # The last line of defence: validation should have refused it with the field named (value too long, out
        # of range for its column); a request the database refuses is still the caller's, never a 500.
        log.warning("data error on %s: %s", request.url.path, exc.orig)
        if wants_page(request):
            return render(request, "error.html", None, status_code=422, status=422,
                          message=translate("error.data", language(request)))
        return JSONResponse({"detail": [{"loc": ["body"], "msg": in_words(request, "数据不符合字段的长度或范围",
                                                                "a value does not fit its field's length or range"),
                                         "type": "DataError"}]}, status_code=422)

    @app.exception_handler(RecursionError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception):
        # The last line of defence, like DataError: a body nested thousands deep, or a number or date past what
        # Python or the database holds, that validation did not refuse by name. The caller's, never a 500.
        log.warning("%s on %s: %s", type(exc).__name__, request.url.path, str(exc)[:200])
        msg = "请求内容嵌套层数过多" if isinstance(exc, RecursionError) else "数字或日期超出允许范围"
        if wants_page(request):
            return render(request, "error.html", None, status_code=422, status=422, message=msg)
        return JSONResponse({"detail": [{"loc": ["body"], "msg": msg, "type": type(exc).__name__}]}, status_code=422)

    @app.exception_handler(OperationalError)
    async def db_down(request: Request, exc: OperationalError):
        log.error("database unavailable on %s: %s", request.url.path, exc.orig)
        if wants_page(request):
            response = render(request, "error.html", None, status_code=503, status=503,
                              message=translate("error.db_down", language(request)))
            response.headers["Retry-After"] = "5"
            return response
        return JSONResponse({"detail": in_words(request, "数据库暂不可用，正在重试", "database unavailable, retrying")},
                            status_code=503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(ValidationError)
    async def invalid_inside(request: Request, exc: ValidationError):
        # The last line of defence, like DataError: a model built inside a service from what the caller sent (an
        # imported row, a form's parts) that no boundary check refused. The caller's, never a 500.
        log.warning("validation error inside %s: %s", request.url.path, str(exc)[:300])
        errors = problems(exc.errors(), request)
        if wants_page(request):
            return render(request, "error.html", None, status_code=422, status=422,
                          message="；".join(e["msg"] for e in errors))
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = problems(exc.errors(), request)  # the field and the reason, zh-CN unless English is asked
        if wants_page(request):  # a console address edited or cut short: which part, in the page's language
            lang = language(request)
            where = "、".join(field_label(str(e["loc"][-1]), lang) for e in errors if e["loc"]) or "?"
            return render(request, "error.html", None, status_code=422, status=422,
                          message=translate("refused.address", lang).format(fields=where))
        return JSONResponse({"detail": errors}, status_code=422)
