"""Housekeeping: expired sessions and stale login throttles."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, delete

from models.accounts import LoginFailure, LoginSession


def purge(*, session: Session, now: datetime, throttle_age: timedelta = timedelta(days=1)) -> dict[str, int]:
    """Delete what has expired; return how many rows of each kind went."""
    sessions = session.exec(delete(LoginSession).where(LoginSession.expires_at <= now)).rowcount
    stale = session.exec(delete(LoginFailure).where(LoginFailure.first_at <= now - throttle_age)).rowcount
    return {"sessions": sessions or 0, "login_failures": stale or 0}
