"""Users, passwords (argon2), console sessions, API tokens, login throttling."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, delete, select

from core.errors import Conflict, Invalid, NotFound
from models.accounts import (
    ApiToken,
    LoginFailure,
    LoginSession,
    Role,
    User,
    UserCreate,
    UserUpdate,
)
from models.directory import Person, Unit
from services import audit

_hasher = PasswordHasher()
TOKEN_PREFIX_LEN = 10


def hash_secret(value: str) -> str:
    return _hasher.hash(value)


def verify_secret(hashed: str, value: str) -> bool:
    try:
        return _hasher.verify(hashed, value)
    except (VerificationError, InvalidHashError):
        return False


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_links(session: Session, role: Role | None, unit_id, person_id) -> None:
    if role is Role.unit_reporter and unit_id is None:
        raise Invalid("a unit reporter must belong to a unit", field="unit_id")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise Invalid(f"unit {unit_id} not found", field="unit_id")
    if person_id is not None and session.get(Person, person_id) is None:
        raise Invalid(f"person {person_id} not found", field="person_id")


def create_user(*, session: Session, data: UserCreate, actor: str) -> User:
    if session.exec(select(User).where(User.username == data.username)).first():
        raise Conflict(f"username {data.username!r} is taken", field="username")
    _check_links(session, data.role, data.unit_id, data.person_id)
    user = User(**data.model_dump(exclude={"password"}), password_hash=hash_secret(data.password))
    session.add(user)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="user", entity_id=user.id,
                 after=user.model_dump(mode="json", exclude={"password_hash"}))
    return user


def update_user(*, session: Session, user_id: uuid.UUID, data: UserUpdate, actor: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="user_id")
    changes = data.model_dump(exclude_unset=True)
    role = changes.get("role", user.role)
    _check_links(session, role, changes.get("unit_id", user.unit_id), changes.get("person_id"))
    before = user.model_dump(mode="json", exclude={"password_hash"})
    if "password" in changes:
        user.password_hash = hash_secret(changes.pop("password"))
        changes["password_changed"] = True
    for key, value in changes.items():
        if key != "password_changed":
            setattr(user, key, value)
    session.add(user)
    session.flush()
    if changes.get("active") is False:  # a deactivated account loses its sessions at once
        session.exec(delete(LoginSession).where(LoginSession.user_id == user.id))
    audit.record(session=session, actor=actor, action="deactivate" if changes.get("active") is False else "update",
                 entity="user", entity_id=user.id, before=before,
                 after=user.model_dump(mode="json", exclude={"password_hash"}),
                 note="password changed" if changes.get("password_changed") else "")
    return user


def is_locked(*, session: Session, keys: list[str], now: datetime) -> bool:
    for key in keys:
        row = session.get(LoginFailure, key)
        if row and row.locked_until and row.locked_until > now:
            return True
    return False


def authenticate(
    *, session: Session, username: str, password: str, source: str, now: datetime,
    max_failures: int, lockout: timedelta,
) -> User | None:
    """The user for good credentials; None (and a counted failure) otherwise, also while locked."""
    keys = [f"user:{username.lower()}", f"addr:{source}"]
    if is_locked(session=session, keys=keys, now=now):
        return None
    user = session.exec(select(User).where(User.username == username)).first()
    if user is not None and user.active and verify_secret(user.password_hash, password):
        for key in keys:
            row = session.get(LoginFailure, key)
            if row is not None:
                session.delete(row)
        audit.record(session=session, actor=user.username, action="login", entity="user", entity_id=user.id, at=now)
        return user
    for key in keys:
        row = session.get(LoginFailure, key) or LoginFailure(key=key, count=0, first_at=now)
        if now - row.first_at > lockout:
            row.count, row.first_at = 0, now
        row.count += 1
        if row.count >= max_failures:
            row.locked_until = now + lockout
        session.add(row)
    audit.record(session=session, actor=username[:100] or "?", action="login_failed", entity="user", note=source, at=now)
    return None


def start_session(*, session: Session, user: User, now: datetime, hours: float) -> tuple[str, LoginSession]:
    """A new console session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(token_hash=_sha(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                       created_at=now, expires_at=now + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def resolve_session(*, session: Session, token: str, now: datetime) -> tuple[User, LoginSession] | None:
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == _sha(token))).first()
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def end_session(*, session: Session, token: str) -> None:
    session.exec(delete(LoginSession).where(LoginSession.token_hash == _sha(token)))


def create_api_token(*, session: Session, user: User, name: str, actor: str) -> tuple[str, ApiToken]:
    """A new bearer token; the plain value is returned once and never stored."""
    token = "dd_" + secrets.token_urlsafe(32)
    # Tokens carry 256 random bits, so SHA-256 at rest is enough and keeps every API call fast;
    # argon2 stays for passwords, which people choose.
    row = ApiToken(name=name, prefix=token[:TOKEN_PREFIX_LEN], token_hash=_sha(token), user_id=user.id)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="api_token", entity_id=row.id,
                 after={"name": name, "user": user.username, "prefix": row.prefix})
    return token, row


def resolve_api_token(*, session: Session, token: str, now: datetime) -> User | None:
    found = session.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)  # one round trip
                         .where(ApiToken.token_hash == _sha(token))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # at most one write per token per 5 minutes
        session.add(row)
    return user


def purge(*, session: Session, now: datetime, throttle_age: timedelta = timedelta(days=1)) -> dict[str, int]:
    """Housekeeping: delete expired console sessions and stale login throttles; how many rows of each kind went."""
    sessions = session.exec(delete(LoginSession).where(LoginSession.expires_at <= now)).rowcount
    stale = session.exec(delete(LoginFailure).where(LoginFailure.first_at <= now - throttle_age)).rowcount
    return {"sessions": sessions or 0, "login_failures": stale or 0}
