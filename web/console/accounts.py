"""Console: login and logout, and the accounts page (admins).

A login attempt runs on the event loop: no session, worker thread or lock is held while a password is hashed or a
refusal waits, so a flood of bogus logins cannot queue the duty officer's behind it.

1. the throttles and the account are read (a short read session, `accounts.plan_login`);
2. a decided outcome (unknown or inactive user, locked pair, address or account) is not hashed: it waits
   `accounts.verify_floor()` with `asyncio.sleep`, as long as a verification takes (no enumeration by timing);
   a real attempt is verified in a worker thread, at most `CLEAN` at once, or `SUSPECT` at once (a bound of its
   own) for a pair or address that failed recently, so failures never delay anyone else's login;
3. the outcome is written (a short write session, `accounts.finish_login`, and the new console session)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, select

from core.errors import Invalid, NotFound, ServiceError
from models.accounts import Role, User, UserCreate
from services import accounts
from services.directory import org
from web.access import home_page
from web.console.forms import back, field_errors, from_form, raise_refusal
from web.console.render import language, page, render
from web.console.i18n import translate
from web.deps import SESSION_COOKIE, Caller, get_session, now_utc, optional_caller

router = APIRouter()

CLEAN = max(2, os.cpu_count() or 2)  # verifications at once for addresses without recent failures
SUSPECT = 1  # and for pairs or addresses that failed recently


def _bounds(state) -> tuple[asyncio.Semaphore, asyncio.Semaphore]:
    if getattr(state, "login_bounds", None) is None:
        state.login_bounds = (asyncio.Semaphore(CLEAN), asyncio.Semaphore(SUSPECT))
    return state.login_bounds


def _plan(state, username: str, source: str, now: datetime) -> accounts.LoginPlan:
    with state.read_session_factory() as session:
        return accounts.plan_login(session=session, username=username, source=source, now=now)


def _finish(state, plan, good: bool, now: datetime) -> tuple[User | None, str | None]:
    web = state.settings.web
    with state.session_factory() as session:
        user = accounts.finish_login(session=session, plan=plan, good=good, now=now,
                                     max_failures=web.login_max_failures,
                                     lockout=timedelta(minutes=web.login_lockout_minutes),
                                     account_limit=web.login_account_max_failures)
        token = None
        if user is not None:
            token, _ = accounts.start_session(session=session, user=user, now=now, hours=web.session_hours)
        session.commit()  # a failure counts towards the lock-out
        return user, token


async def attempt(request: Request, *, username: str, password: str, source: str,
                  now: datetime) -> tuple[User | None, str | None]:
    """The user and their new session token for good credentials; (None, None) otherwise (a failure counted)."""
    state = request.app.state
    started = time.perf_counter()
    async with state.db_admission:
        plan = await run_in_threadpool(_plan, state, username, source, now)
    good = False
    if plan.hash is not None:
        clean, suspect = _bounds(state)
        async with suspect if plan.suspect else clean:
            good = await run_in_threadpool(accounts.verify_timed, plan.hash, password)
    if not good:  # a refusal, hashed or not, answers no sooner than a verification would
        await asyncio.sleep(max(0.0, accounts.verify_floor() - (time.perf_counter() - started)))
    async with state.db_admission:
        return await run_in_threadpool(_finish, state, plan, good, now)


@router.get("/login")
def login_form(request: Request, c: Caller | None = Depends(optional_caller)):
    if c is not None:
        return RedirectResponse(home_page(c.user.role), status_code=303)
    return render(request, "login.html", None)


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form("")):
    """Async, without the request's session: the attempt above holds no session or worker while it hashes."""
    web = request.app.state.settings.web
    source = request.client.host if request.client else "?"
    user, token = await attempt(request, username=username.strip(), password=password, source=source,
                                now=now_utc(request))
    if user is None:
        return render(request, "login.html", None, status_code=401, failed=True, username=username)
    target = request.query_params.get("next") or home_page(user.role)
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # never redirect off-site
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=web.secure_cookies,
                        max_age=int(web.session_hours * 3600))
    return response


@router.post("/logout")
async def logout(request: Request, session: Session = Depends(get_session),
                 c: Caller | None = Depends(optional_caller)):
    if c is not None and c.login is not None:
        form = await request.form()
        if form.get("csrf_token") == c.login.csrf_token:
            accounts.end_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
            session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
def _accounts_page(request, c, session, status_code=200, errors=None, values=None):
    users = list(session.exec(select(User).order_by(User.username)))
    units = org.list_units(session=session)  # the form's choices; the list names a retired unit too
    named = {u.id: u.name for u in org.list_units(session=session, include_inactive=True)}
    return render(request, "accounts.html", c, status_code=status_code, users=users, roles=list(Role),
                  tokens=accounts.list_api_tokens(session=session), notice=request.query_params.get("notice"),
                  units=units, unit_names=named, people=accounts.linkable_people(session=session),
                  errors=errors or {}, values=values or {}, tz=request.app.state.settings.tz)


@router.get("/accounts")
def account_list(request: Request, c: Caller = Depends(page("users:read")), session: Session = Depends(get_session)):
    return _accounts_page(request, c, session)


@router.post("/accounts")
async def account_create(request: Request, c: Caller = Depends(page("users:write")),
                         session: Session = Depends(get_session)):
    data = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    for key in ("unit_id", "person_id"):
        if not data.get(key):
            data[key] = None
    try:
        accounts.create_user(session=session, data=from_form(UserCreate, data), actor=c.actor)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        data.pop("password", None)
        return _accounts_page(request, c, session, 422, field_errors(exc), data)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/tokens/{token_id}/revoke")
def token_revoke(token_id: str, request: Request, c: Caller = Depends(page("tokens:write")),
                 session: Session = Depends(get_session)):
    """Revoke an API token from the accounts page (audited)."""
    try:
        row = accounts.find_api_token(session=session, ref=token_id)
    except (NotFound, Invalid) as exc:
        raise_refusal(exc)  # an unknown token: the 404 refusal page, as every admin page answers, not a notice
        return back("/accounts", error=exc.reason)
    accounts.revoke_api_token(session=session, token_id=row.id, actor=c.actor, now=now_utc(request))
    session.commit()
    return back("/accounts", notice="token.revoked_notice")


def _password_page(request, c, status_code=200, errors=None, done=False, session=None):
    """The form, warning first what a change ends: the account's API tokens (how many) and its other sessions."""
    live = [t for t, _ in accounts.list_api_tokens(session=session)
            if t.user_id == c.user.id and t.revoked_at is None] if session is not None and not done else []
    return render(request, "password.html", c, status_code=status_code, errors=errors or {}, done=done,
                  live_tokens=len(live))


@router.get("/account/password")
def password_form(request: Request, c: Caller = Depends(page("account:password")),
                  session: Session = Depends(get_session)):
    return _password_page(request, c, done=request.query_params.get("done") == "1", session=session)


@router.post("/account/password")
def password_change(request: Request, current_password: str = Form(""), password: str = Form(""),
                    password_repeat: str = Form(""), c: Caller = Depends(page("account:password")),
                    session: Session = Depends(get_session)):
    """One's own new password: the current one first; every other session of the account ends."""
    lang = language(request, c)
    if not 8 <= len(password) <= 128:
        return _password_page(request, c, 422, {"password": translate("password.length", lang)})
    if password != password_repeat:
        return _password_page(request, c, 422, {"password_repeat": translate("password.mismatch", lang)})
    try:
        accounts.change_own_password(session=session, user=c.user, current=current_password, new=password,
                                     keep_session=c.login.id if c.login is not None else None, now=now_utc(request))
    except ServiceError as exc:
        session.rollback()
        return _password_page(request, c, 422, field_errors(exc))
    session.commit()
    return RedirectResponse("/account/password?done=1", status_code=303)
