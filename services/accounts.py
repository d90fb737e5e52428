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


def update_user(*, session: Session, user_id: uuid.UUID, data: UserUpdate, actor: str,
                keep_session: uuid.UUID | None = None) -> User:
    """Change an account. A new password ends every console session of that user but `keep_session` (the one
    making the change, when users change their own); deactivation ends all of them."""
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
    elif changes.get("password_changed"):  # whoever knew the old password is logged out everywhere
        ended = delete(LoginSession).where(LoginSession.user_id == user.id)
        if keep_session is not None:
            ended = ended.where(LoginSession.id != keep_session)
        session.exec(ended)
    audit.record(session=session, actor=actor, action="deactivate" if changes.get("active") is False else "update",
                 entity="user", entity_id=user.id, before=before,
                 after=user.model_dump(mode="json", exclude={"password_hash"}),
                 note="password changed" if changes.get("password_changed") else "")
    return user


ADDRESS_FACTOR = 4  # an address alone is locked after this many times max_failures, whatever the accounts
MAX_LOCKOUT = timedelta(hours=24)
# Verified when the username is unknown or inactive, so those answers cost one argon2 hash like a known user's
# (no enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _keys(username: str, source: str) -> list[str]:
    """Throttle keys: the account *from this address*, and the address. Never the account alone: then anyone
    could lock the duty officer out from addresses of their own choosing."""
    return [f"acct:{username.lower()[:60]}|{source[:50]}", f"addr:{source[:50]}"]


def change_own_password(*, session: Session, user: User, current: str, new: str,
                        keep_session: uuid.UUID | None) -> User:
    """A user's own new password (the current one must be given); their other sessions end."""
    if not verify_secret(user.password_hash, current):
        raise Invalid("当前密码不正确 (the current password is wrong)", field="current_password")
    if current == new:
        raise Invalid("新密码不能与当前密码相同 (the new password must differ from the current one)", field="password")
    return update_user(session=session, user_id=user.id, data=UserUpdate(password=new), actor=user.username,
                       keep_session=keep_session)


def is_locked(*, session: Session, keys: list[str], now: datetime) -> bool:
    for key in keys:
        row = session.get(LoginFailure, key)
        if row and row.locked_until and row.locked_until > now:
            return True
    return False


def _count_failure(session: Session, key: str, now: datetime, limit: int, lockout: timedelta) -> None:
    """One more failure; at `limit`, a lock-out twice as long as the previous one of this key (progressive)."""
    row = session.get(LoginFailure, key) or LoginFailure(key=key, count=0, first_at=now, locks=0)
    if row.locked_until is not None and now - row.locked_until > MAX_LOCKOUT:
        row.locks = 0  # a day without a lock-out: the next one is short again
    if now - row.first_at > lockout:
        row.count, row.first_at = 0, now
    row.count += 1
    if row.count >= limit:
        row.locked_until = now + min(lockout * (2 ** (row.locks or 0)), MAX_LOCKOUT)
        row.locks, row.count, row.first_at = (row.locks or 0) + 1, 0, now
    session.add(row)


def authenticate(
    *, session: Session, username: str, password: str, source: str, now: datetime,
    max_failures: int, lockout: timedelta,
) -> User | None:
    """The user for good credentials; None (and a counted failure) otherwise, also while locked.

    Throttled per account and address (`_keys`), with a lock-out that doubles each time it recurs. An unknown or
    inactive user costs one password hash like a known one."""
    acct_key, addr_key = keys = _keys(username, source)
    if is_locked(session=session, keys=keys, now=now):
        verify_secret(_DUMMY_HASH, password)  # a locked answer takes as long as any other
        return None
    user = session.exec(select(User).where(User.username == username)).first()
    good = verify_secret(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is not None and user.active and good:
        row = session.get(LoginFailure, acct_key)
        if row is not None:
            session.delete(row)
        audit.record(session=session, actor=user.username, action="login", entity="user", entity_id=user.id, at=now)
        return user
    _count_failure(session, acct_key, now, max_failures, lockout)
    _count_failure(session, addr_key, now, max_failures * ADDRESS_FACTOR, lockout)
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


def list_api_tokens(*, session: Session) -> list[tuple[ApiToken, str]]:
    """Every API token (newest first) with its account's username; the values themselves are never kept."""
    rows = session.exec(select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
                        .order_by(ApiToken.created_at.desc()))
    return [(row, name) for row, name in rows]


def find_api_token(*, session: Session, ref: str) -> ApiToken:
    """A token by its id or its prefix (as `list` shows it); NotFound otherwise, Invalid when a prefix is shared."""
    try:
        row = session.get(ApiToken, uuid.UUID(ref))
    except ValueError:
        rows = list(session.exec(select(ApiToken).where(ApiToken.prefix == ref[:TOKEN_PREFIX_LEN]))) if ref else []
        if len(rows) > 1:
            raise Invalid(f"prefix {ref!r} names {len(rows)} tokens: give the id", field="token_id") from None
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"API token {ref!r} not found", field="token_id")
    return row


def revoke_api_token(*, session: Session, token_id: uuid.UUID, actor: str, now: datetime) -> ApiToken:
    """Revoke a token at once (the next call with it is 401); audited. Revoking it again changes nothing."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"API token {token_id} not found", field="token_id")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
        owner = session.get(User, row.user_id)
        audit.record(session=session, actor=actor, action="revoke", entity="api_token", entity_id=row.id, at=now,
                     after={"name": row.name, "user": owner.username if owner else "", "prefix": row.prefix})
    return row


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
