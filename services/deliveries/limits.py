"""Provider limits held in the database (发送频率限制): one sliding window per provider account, for every engine.

A WeCom robot takes 20 messages a minute and then refuses the robot for a while; with three engines each
counting its own 20, the provider saw 60. Here each account's recent send times live in one
`provider_window` row; a send takes a slot with a conditional UPDATE on the row's `version` (optimistic: a
writer that lost the race reads again), on SQLite and PostgreSQL alike.

A sliding window rather than a token bucket: a bucket of 20 refilling 20 a minute lets 40 through in the first
minute (the full bucket, then the refill), and the provider counts the minute. The row holds at most `count`
stamps, so it stays small. The time is the caller's (`now`, epoch seconds): engines on several machines
already rely on synchronised clocks for their leases, and tests move a fake one.

A provider's HTTP 429 Retry-After is held in the account's row too (`held_until`, written by `hold`): the
engine that got the 429 writes it, every engine reads it before sending on that account (`held_for`), and a
slot is not taken while it holds. A held send is deferred (queued again, due when the hold ends), not a try.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.deliveries import ProviderWindow
from models.types import utcnow

TABLE = ProviderWindow.__table__
KEY_MAX = 200


def window_key(*parts: str) -> str:
    """The row key for one limit of one account (long addresses hashed to fit)."""
    key = ":".join(parts)
    if len(key) <= KEY_MAX:
        return key
    return key[:KEY_MAX - 41] + "#" + hashlib.sha1(key.encode()).hexdigest()


def _insert(session: Session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(TABLE)


def take_slot(*, session: Session, key: str, count: int, per_seconds: float, now: float, tries: int = 20) -> float:
    """Take one of `count` slots per `per_seconds` for `key`: 0.0 when taken, else the seconds until one frees.

    The caller commits (a slot taken counts once the transaction commits; a rolled-back one was never taken)."""
    key = window_key(key)  # a webhook's or a number's key carries its address: keep it within the column
    conn = session.connection()
    for _ in range(tries):
        t = now
        row = conn.execute(select(TABLE.c.stamps, TABLE.c.version, TABLE.c.held_until)
                           .where(TABLE.c.key == key)).first()
        if row is None:
            made = conn.execute(_insert(session).values(key=key, stamps=[round(t, 4)], version=1, updated_at=utcnow())
                                .on_conflict_do_nothing(index_elements=["key"]).returning(TABLE.c.key)).first()
            if made is not None:  # (rowcount is not reliable for ON CONFLICT DO NOTHING on every driver)
                return 0.0
            continue  # another engine made it meanwhile: read it
        if row.held_until is not None and row.held_until > t:
            return row.held_until - t  # the provider asked for a pause: no slot while it holds
        stamps = [s for s in row.stamps if t - s < per_seconds]
        if len(stamps) >= count:
            return max(per_seconds - (t - min(stamps)), 0.001)
        taken = conn.execute(update(TABLE).where(TABLE.c.key == key, TABLE.c.version == row.version)
                             .values(stamps=[*stamps, round(t, 4)], version=TABLE.c.version + 1, updated_at=utcnow()))
        if taken.rowcount == 1:
            return 0.0
    return 0.05  # lost the race `tries` times: busy, try again shortly


def hold(*, session: Session, key: str, until: float) -> None:
    """Hold the account `key` until `until` (epoch seconds, the provider's Retry-After) for every engine; a
    later hold already there is kept. The caller commits."""
    key = window_key(key)
    ins = _insert(session).values(key=key, stamps=[], version=1, held_until=until, updated_at=utcnow())
    later = case((TABLE.c.held_until > until, TABLE.c.held_until), else_=until)  # NULL > x is not true
    session.connection().execute(ins.on_conflict_do_update(
        index_elements=["key"], set_={"held_until": later, "version": TABLE.c.version + 1, "updated_at": utcnow()}))


def held_for(*, session: Session, key: str, now: float) -> float:
    """Seconds the provider's pause on `key` still holds (0.0: none)."""
    until = session.connection().execute(select(TABLE.c.held_until).where(TABLE.c.key == window_key(key))).scalar()
    return max(0.0, until - now) if until is not None else 0.0


def purge_windows(*, session: Session, now: datetime, older_than: timedelta = timedelta(days=2)) -> int:
    """Drop windows untouched for `older_than` (per-number SMS limits leave one row per number)."""
    res = session.connection().execute(delete(TABLE).where(TABLE.c.updated_at < now - older_than))
    return res.rowcount
