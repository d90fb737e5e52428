"""Request dependencies: the database session, the caller, role checks, CSRF."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from models.accounts import LoginSession, User
from services import accounts
from services.access import Actor
from web.access import allowed, permission_words

log = logging.getLogger("dutydesk.web")
SESSION_COOKIE = "dutydesk_session"
ROLE_ZH = {"admin": "管理员", "duty_officer": "值班员", "leader": "领导", "unit_reporter": "单位填报员",
           "auditor": "审计员", "display": "值班大屏"}
CSRF_HEADER = "X-CSRF-Token"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error.

    At most `db.pool_size` requests hold a session at once (the pool's overflow is left to the engine and the
    flows); the others wait here, on the event loop, holding neither a connection nor a worker thread. With the
    session opened in one worker thread and closed in another, a burst larger than the pool could otherwise fill
    every worker thread with requests waiting for a connection while the connections' holders waited for a
    thread (QueuePool timeouts, 500s). The session is opened on the loop: it does no I/O until its first
    statement, which runs in the handler's thread; it is closed on the loop unless it still holds a transaction."""
    reading = request.method in ("GET", "HEAD")
    state = request.app.state
    factory = state.read_session_factory if reading else state.session_factory
    async with state.db_admission:
        scope = factory()
        session = scope.__enter__()
        try:
            yield session
        except BaseException as exc:
            await _close(scope, session, exc)
            raise
        await _close(scope, session, None)


async def _close(scope, session: Session, exc: BaseException | None) -> None:
    """Commit or roll back and give the connection back, even for a cancelled request (else the connection,
    and on SQLite the write gate, would wait for the garbage collector)."""
    args = (type(exc), exc, exc.__traceback__) if exc is not None else (None, None, None)
    with anyio.CancelScope(shield=True):
        if session.in_transaction():  # I/O: in a worker thread
            await run_in_threadpool(scope.__exit__, *args)
        else:
            scope.__exit__(*args)


def now_utc(request: Request) -> datetime:
    """The request's notion of now (tests may pin the clock on app.state)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


@dataclass
class Caller:
    user: User
    login: LoginSession | None  # None for API-token callers
    via: str  # "cookie" or "token"

    @property
    def actor(self) -> str:
        return self.user.username if self.via == "cookie" else f"token:{self.user.username}"

    @property
    def by(self) -> Actor:
        """The caller as the services see it: they decide what it may see and change (services/access.py)."""
        return Actor(self.actor, self.user.role, self.user.unit_id, self.user.person_id)


def optional_caller(request: Request, session: Session = Depends(get_session)) -> Caller | None:
    """The caller from a bearer token or the session cookie, or None."""
    now = now_utc(request)
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        user = accounts.resolve_api_token(session=session, token=auth[7:].strip(), now=now)
        if user is None:
            raise HTTPException(401, "API 令牌无效或已吊销 (invalid or revoked API token)",
                                headers={"WWW-Authenticate": "Bearer"})
        if session.dirty:
            try:
                session.commit()  # last_used_at, best effort
            except OperationalError:
                session.rollback()
                log.warning("could not record last use of API token for %s", user.username)
        return Caller(user, None, "token")
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = accounts.resolve_session(session=session, token=token, now=now)
        if found:
            return Caller(found[0], found[1], "cookie")
    return None


async def caller(c: Caller | None = Depends(optional_caller)) -> Caller:
    """The authenticated caller; 401 for anonymous requests."""
    if c is None:
        raise HTTPException(401, "请先登录 (login required)", headers={"WWW-Authenticate": "Bearer"})
    return c


async def check_csrf(request: Request, c: Caller) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token."""
    if c.via != "cookie" or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not sent or sent != c.login.csrf_token:
        raise HTTPException(403, "页面已过期（CSRF 令牌缺失或不符），请刷新页面后重试 "
                                 "(CSRF token missing or wrong: reload the page and try again)")


class Refused(HTTPException):
    """A role refused an endpoint: the web audits it ("access_refused", web/app.py) before answering."""

    def __init__(self, actor: str, status_code: int, detail: str) -> None:
        super().__init__(status_code, detail)
        self.refused_by = actor


def require(permission: str):
    """A dependency that lets the caller through only with `permission` (see web/access.py)."""

    async def dep(request: Request, c: Caller = Depends(caller)) -> Caller:
        if not allowed(c.user.role, permission):
            zh, en = permission_words(permission)
            raise Refused(c.actor, 403, f"{ROLE_ZH.get(c.user.role.value, c.user.role.value)}角色无权执行此操作（{zh}） "
                                     f"(the {c.user.role.value.replace('_', ' ')} role may not {en})")
        await check_csrf(request, c)
        return c

    return dep
