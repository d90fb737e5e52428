"""Users, passwords (argon2), console sessions, API tokens, login throttling."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, delete, func, select

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
from models.rosters.duty import FeedToken
from services import audit

_hasher = PasswordHasher()  # argon2-cffi's defaults, as core.settings.PasswordSettings; `use_password_cost` changes it
TOKEN_PREFIX_LEN = 10


def use_password_cost(*, time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Hash new secrets at this argon2 cost from now on (settings.passwords; composition calls it). Hashes already
    stored keep their own cost, so they verify as before; the refusal time (`verify_floor`) is measured again."""
    global _hasher
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) == (time_cost, memory_kib, parallelism):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _seed_floor()


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
        raise Invalid("单位填报员账号必须属于一个单位 (a unit reporter must belong to a unit)", field="unit_id")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise Invalid(f"未找到该单位 (unit {unit_id} not found)", field="unit_id")
    if person_id is not None and session.get(Person, person_id) is None:
        raise Invalid(f"通讯录中没有此人员 (person {person_id} not found)", field="person_id")


def shown_names(*, session: Session, actors) -> dict[str, str]:
    """Each recorded actor that is an account ("duty", "token:duty", "user:duty") -> the name pages show for it
    (`User.shown_name`); anything else (a person's name, "engine") is left out. Read when a page is shown, so rows
    that recorded the login keep working."""
    logins = {a: a.partition(":")[2] if a.startswith(("token:", "user:")) else a
              for a in actors if isinstance(a, str) and a}
    if not logins:
        return {}
    found = {u.username: u.shown_name(name) for u, name in session.exec(
        select(User, Person.name).join(Person, Person.id == User.person_id, isouter=True)
        .where(User.username.in_(set(logins.values()))))}
    return {a: found[login] for a, login in logins.items() if login in found}


def person_label(person: Person, unit: Unit | None) -> str:
    """How a person is named when an account is linked: 姓名（单位·职务）."""
    where = "·".join(x for x in ((unit.name if unit else ""), person.title) if x)
    return f"{person.name}（{where}）" if where else person.name


def linkable_people(*, session: Session) -> list[tuple[Person, str]]:
    """Active people an account may be linked to, with their label, by unit then name."""
    rows = session.exec(select(Person, Unit).join(Unit, Unit.id == Person.unit_id, isouter=True)
                        .where(Person.active).order_by(Unit.name, Person.name)).all()
    return [(p, person_label(p, u)) for p, u in rows]


def person_by_name_or_id(*, session: Session, text: str) -> Person:
    """The person an account is linked to, named by id or by name; a name several people share is refused with
    each of them listed (姓名（单位·职务） and id), so the admin can give the id."""
    text = text.strip()
    try:
        person = session.get(Person, uuid.UUID(text))
    except ValueError:
        person = None
    if person is not None:
        return person
    found = list(session.exec(select(Person).where(Person.name == text, Person.active)))
    if not found:
        raise NotFound(f"通讯录中没有“{text}” (no person named {text!r})", field="person_id")
    if len(found) > 1:
        choices = "；".join(f"{person_label(p, session.get(Unit, p.unit_id) if p.unit_id else None)} {p.id}"
                           for p in found)
        raise Invalid(f"{len(found)} 人名为“{text}”：{choices}；请用人员 id (several people have this name: give the id)",
                      field="person_id")
    return found[0]


def create_user(*, session: Session, data: UserCreate, actor: str) -> User:
    if session.exec(select(User).where(User.username == data.username)).first():
        raise Conflict(f"用户名 {data.username!r} 已被使用 (username is taken)", field="username")
    _check_links(session, data.role, data.unit_id, data.person_id)
    user = User(**data.model_dump(exclude={"password"}), password_hash=hash_secret(data.password))
    session.add(user)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="user", entity_id=user.id,
                 after=user.model_dump(mode="json", exclude={"password_hash"}))
    return user


def update_user(*, session: Session, user_id: uuid.UUID, data: UserUpdate, actor: str,
                keep_session: uuid.UUID | None = None, now: datetime | None = None) -> User:
    """Change an account. A new password ends every console session of that user but `keep_session` (the one
    making the change, when users change their own) and revokes every API token of that user and every iCal feed
    they made (audited, each at `now`): a password changed after a leak must end everything issued with the old
    one, and a token (or a feed's URL) is as good as a password. Deactivation ends all sessions (its tokens stop working with the account)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"未找到该用户 (user {user_id} not found)", field="user_id")
    changes = data.model_dump(exclude_unset=True)
    role = changes.get("role", user.role)
    _check_links(session, role, changes.get("unit_id", user.unit_id), changes.get("person_id"))
    leaving = (user.role is Role.admin and user.active
               and (Role(role) is not Role.admin or changes.get("active", True) is False))
    if leaving and session.exec(select(func.count()).select_from(User).where(
            User.role == Role.admin, User.active, User.id != user.id)).one() == 0:
        raise Conflict("这是最后一个可用的管理员账号，不能降级或停用；请先为另一人开设管理员账号 (the last active "
                       "admin cannot be demoted or deactivated)", field="role" if "role" in changes else "active")
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
        _revoke_tokens_of(session, user, actor=actor, now=now or datetime.now(UTC))
        _revoke_feeds_of(session, user, actor=actor, now=now or datetime.now(UTC))
    audit.record(session=session, actor=actor, action="deactivate" if changes.get("active") is False else "update",
                 entity="user", entity_id=user.id, before=before,
                 after=user.model_dump(mode="json", exclude={"password_hash"}),
                 note="password changed" if changes.get("password_changed") else "")
    return user


KNOWN_FOR = timedelta(days=90)  # an address an account logged in from counts as its own device this long
ACCOUNT_FACTOR = 20  # an account from all addresses is slowed after this many times max_failures (by default)
ADDRESS_FACTOR = 4  # an address alone is locked after this many times max_failures, whatever the accounts
MAX_LOCKOUT = timedelta(hours=24)


def _keys(username: str, source: str) -> list[str]:
    """Throttle keys: the account *from this address*, and the address. Never the account alone: then anyone
    could lock the duty officer out from addresses of their own choosing."""
    return [f"acct:{username.lower()[:60]}|{source[:50]}", f"addr:{source[:50]}"]


def _account_key(username: str) -> str:
    """The account across every address: slowed (not locked) after `account_limit` failures."""
    return f"user:{username.lower()[:60]}"


def _known_key(username: str, source: str) -> str:
    """An address the account logged in from: its own device, never slowed by the account-wide limit."""
    return f"seen:{username.lower()[:60]}|{source[:50]}"


def _is_known(session: Session, username: str, source: str, now: datetime) -> bool:
    row = session.get(LoginFailure, _known_key(username, source))
    return row is not None and now - row.first_at <= KNOWN_FOR


def change_own_password(*, session: Session, user: User, current: str, new: str,
                        keep_session: uuid.UUID | None, now: datetime | None = None) -> User:
    """A user's own new password (the current one must be given); their other sessions end, their API tokens and
    the iCal feeds they made are revoked."""
    if not verify_secret(user.password_hash, current):
        raise Invalid("当前密码不正确 (the current password is wrong)", field="current_password")
    if current == new:
        raise Invalid("新密码不能与当前密码相同 (the new password must differ from the current one)", field="password")
    return update_user(session=session, user_id=user.id, data=UserUpdate(password=new), actor=user.username,
                       keep_session=keep_session, now=now)


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


@dataclass(frozen=True)
class LoginPlan:
    """What a login attempt needs once its throttles and account are read: the hash to verify, or None when the
    outcome is already decided (unknown or inactive user, locked pair, address or account), which is answered
    after the same wait as a verification (`verify_floor`) without hashing; `suspect` when this pair or address
    failed recently (its hashing is bounded apart from everyone else's, web/console/accounts.py)."""

    username: str
    source: str
    hash: str | None
    suspect: bool


def plan_login(*, session: Session, username: str, source: str, now: datetime) -> LoginPlan:
    """Reads only: the throttles and the account (no hashing, no write; the hashing runs without a session)."""
    acct_key, addr_key = keys = _keys(username, source)
    known = _is_known(session, username, source, now)
    if is_locked(session=session, keys=keys if known else [*keys, _account_key(username)], now=now):
        return LoginPlan(username, source, None, True)
    rows = [session.get(LoginFailure, key) for key in keys]
    suspect = any(r is not None and r.count and now - r.first_at <= KNOWN_FOR for r in rows)
    user = session.exec(select(User).where(User.username == username)).first()
    return LoginPlan(username, source, user.password_hash if user is not None and user.active else None, suspect)


# How long one verification takes here (a moving estimate, seeded at import): every refusal takes at least this
# long, hashed or not, so a known user, an unknown one and a locked pair answer alike (no enumeration by timing).
_floor = [0.0]


def _seed_floor() -> None:
    hashed = _hasher.hash(secrets.token_urlsafe(16))
    started = time.perf_counter()
    verify_secret(hashed, "-")
    _floor[0] = time.perf_counter() - started


_seed_floor()


def verify_timed(hashed: str, password: str) -> bool:
    """`verify_secret`, and the time it took folded into `verify_floor` (blocking: run it in a worker thread)."""
    started = time.perf_counter()
    good = verify_secret(hashed, password)
    _floor[0] = 0.8 * _floor[0] + 0.2 * (time.perf_counter() - started)
    return good


def verify_floor() -> float:
    """Seconds a decided refusal waits, and a verification is padded to: one verification's time."""
    return _floor[0]


def finish_login(*, session: Session, plan: LoginPlan, good: bool, now: datetime, max_failures: int,
                 lockout: timedelta, account_limit: int | None = None) -> User | None:
    """Writes what a verified (or decided) attempt means: the login, or a counted failure. The account is read
    again: one deactivated while its password was hashed stays out."""
    acct_key, addr_key = _keys(plan.username, plan.source)
    user_key = _account_key(plan.username)
    user = session.exec(select(User).where(User.username == plan.username)).first() if good else None
    if user is not None and user.active and user.password_hash == plan.hash:
        row = session.get(LoginFailure, acct_key)
        if row is not None:
            session.delete(row)
        slowed = session.get(LoginFailure, user_key)
        if slowed is not None:  # the real user is in: the account-wide count starts again (the lock-outs' growth stays)
            slowed.count, slowed.locked_until, slowed.first_at = 0, None, now
            session.add(slowed)
        key = _known_key(plan.username, plan.source)
        seen = session.get(LoginFailure, key) or LoginFailure(key=key)
        seen.first_at, seen.count = now, 0
        session.add(seen)
        audit.record(session=session, actor=user.username, action="login", entity="user", entity_id=user.id, at=now)
        return user
    _count_failure(session, acct_key, now, max_failures, lockout)
    _count_failure(session, addr_key, now, max_failures * ADDRESS_FACTOR, lockout)
    _count_failure(session, user_key, now, account_limit or max_failures * ACCOUNT_FACTOR, lockout)
    audit.record(session=session, actor=plan.username[:100] or "?", action="login_failed", entity="user",
                 note=plan.source, at=now)
    return None


def authenticate(
    *, session: Session, username: str, password: str, source: str, now: datetime,
    max_failures: int, lockout: timedelta, account_limit: int | None = None,
) -> User | None:
    """The user for good credentials; None (and a counted failure) otherwise, also while locked. Blocking, in
    one session (the CLI, the benchmark); the console's /login runs the same steps without holding a session or
    a worker while it hashes or waits (web/console/accounts.py).

    Throttled per account and address (`_keys`), with a lock-out that doubles each time it recurs; and per
    account across all addresses (`account_limit` failures, default 20 x `max_failures`), which slows the
    account for addresses it never logged in from: an attacker rotating addresses gets a bounded number of
    guesses, while the real user at a known desk still logs in. An unknown or inactive user and a locked pair
    are not hashed at all: they wait `verify_floor`, as long as a verification takes."""
    started = time.perf_counter()
    plan = plan_login(session=session, username=username, source=source, now=now)
    good = plan.hash is not None and verify_timed(plan.hash, password)
    time.sleep(max(0.0, verify_floor() - (time.perf_counter() - started)))
    return finish_login(session=session, plan=plan, good=good, now=now, max_failures=max_failures,
                        lockout=lockout, account_limit=account_limit)


def start_session(*, session: Session, user: User, now: datetime, hours: float) -> tuple[str, LoginSession]:
    """A new console session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(token_hash=_sha(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                       created_at=now, expires_at=now + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def _valid(row: LoginSession | None, user: User | None, now: datetime) -> bool:
    """The one rule of a console session's validity: not ended, not expired, its account active."""
    return row is not None and row.expires_at > now and user is not None and user.active


def resolve_session(*, session: Session, token: str, now: datetime) -> tuple[User, LoginSession] | None:
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == _sha(token))).first()
    user = session.get(User, row.user_id) if row is not None and row.expires_at > now else None
    return (user, row) if _valid(row, user, now) else None


def resolve_sessions(*, session: Session, tokens: set[str], now: datetime, chunk: int = 500) -> dict[str, User]:
    """`resolve_session` for many cookie tokens in a few queries (open live pages, checked once per change): the
    valid ones with their account as it is now; an ended or expired session, or an inactive account, is absent."""
    by_hash = {_sha(t): t for t in tokens}
    hashes, found = list(by_hash), {}
    for i in range(0, len(hashes), chunk):
        rows = session.exec(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                            .where(LoginSession.token_hash.in_(hashes[i:i + chunk]))).all()
        found.update({by_hash[row.token_hash]: user for row, user in rows if _valid(row, user, now)})
    return found


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
            raise Invalid(f"前缀 {ref!r} 对应 {len(rows)} 个令牌，请给出令牌编号 "
                          f"(prefix names {len(rows)} tokens: give the id)", field="token_id") from None
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"未找到该 API 令牌 (API token {ref!r} not found)", field="token_id")
    return row


def _revoke_tokens_of(session: Session, user: User, *, actor: str, now: datetime) -> None:
    """Revoke every live API token of `user` (each audited, as `revoke_api_token` does)."""
    live = session.exec(select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    for token_id in list(live):
        revoke_api_token(session=session, token_id=token_id, actor=actor, now=now, note="password changed")


def _revoke_feeds_of(session: Session, user: User, *, actor: str, now: datetime) -> None:
    """Revoke every live iCal feed `user` made (from the console or with a token): an unauthenticated URL handed
    out under the old password is as good as a token. Each audited as `services.rosters.ical.revoke` does."""
    live = session.exec(select(FeedToken).where(FeedToken.created_by.in_([user.username, f"token:{user.username}"]),
                                                FeedToken.revoked_at.is_(None)))
    for row in list(live):
        row.revoked_at = now
        session.add(row)
        session.flush()
        person = session.get(Person, row.ref_id) if row.kind == "person" else None
        owner = person.unit_id if person is not None else (row.ref_id if row.kind == "unit" else None)
        audit.record(session=session, actor=actor, action="revoke", entity="ical_feed", entity_id=row.id, at=now,
                     unit_id=owner or "", after={"kind": row.kind, "ref_id": str(row.ref_id)},
                     note="password changed")


def revoke_api_token(*, session: Session, token_id: uuid.UUID, actor: str, now: datetime, note: str = "") -> ApiToken:
    """Revoke a token at once (the next call with it is 401); audited. Revoking it again changes nothing."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"未找到该 API 令牌 (API token {token_id} not found)", field="token_id")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
        owner = session.get(User, row.user_id)
        audit.record(session=session, actor=actor, action="revoke", entity="api_token", entity_id=row.id, at=now,
                     after={"name": row.name, "user": owner.username if owner else "", "prefix": row.prefix},
                     note=note)
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
    stale = session.exec(delete(LoginFailure).where(
        LoginFailure.first_at <= now - throttle_age, ~LoginFailure.key.startswith("seen:"))).rowcount
    stale += session.exec(delete(LoginFailure).where(
        LoginFailure.first_at <= now - KNOWN_FOR, LoginFailure.key.startswith("seen:"))).rowcount
    return {"sessions": sessions or 0, "login_failures": stale or 0}
