"""The console's login attempt, on the event loop: no session, worker thread or lock is held while a password is
hashed or a refusal waits, so a flood of bogus logins cannot queue the duty officer's behind it.

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

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from models.accounts import User
from services import accounts

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
