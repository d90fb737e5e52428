"""Database engine and sessions.

SQLite (WAL, foreign keys on, busy timeout) is the embedded default;
PostgreSQL is the same code with another URL.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event, make_url, text
from sqlmodel import Session, create_engine

from core.settings import get_settings

log = logging.getLogger("dutydesk.db")
CHANGES_AT_BEGIN = "sqlite_total_changes_at_begin"


def in_memory(url: str) -> bool:
    """An in-memory SQLite database (one connection per thread, no pool sizes)."""
    return make_url(url).database in (None, "", ":memory:")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """An engine for `url`, with SQLite tuned for a small always-on server."""
    if url.startswith("sqlite"):
        sized = {}
        if not in_memory(url):
            Path(make_url(url).database).parent.mkdir(parents=True, exist_ok=True)
            sized = {"pool_size": pool_size, "max_overflow": pool_size}
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, **sized)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # Let SQLAlchemy, not pysqlite, decide where transactions start (savepoints work).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            # IMMEDIATE takes the write lock up front: a read-then-write transaction can
            # never fail half-way because another writer committed in between. Read-only
            # work (see `readonly`) begins deferred, so it never queues behind writers.
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            if mode == "IMMEDIATE":
                gate.enter(conn)
            try:
                conn.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                gate.leave(conn.connection)
                raise
            # rows changed by this connection so far: more at a later point means this transaction wrote
            # (services/rosters/views.py keeps "on duty now" only from a transaction that did not)
            conn.info[CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes

        gate = WriteGate(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class WriteGate:
    """SQLite writers of one process queue on a lock instead of in SQLite's busy handler.

    SQLite admits one writer; the others retry in its busy handler, which sleeps
    1, 2, 5 … up to 100 ms between tries, so under load (web requests and the
    engine in one process) a waiting writer can miss many lock releases in a row.
    Here a writer waits on a Python lock taken before BEGIN IMMEDIATE and handed
    on the moment the holder's COMMIT or ROLLBACK returns. Other processes still
    meet SQLite's own lock (and busy timeout) as before. A thread that already
    holds the gate and opens a second write transaction waits `timeout` seconds
    (SQLite's busy timeout), then goes on to SQLite, which refuses it as it did.
    """

    def __init__(self, engine: Engine, timeout: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._holder: object | None = None  # the DBAPI connection in a write transaction
        self.timeout = timeout
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn) -> None:
            try:
                commit(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        def do_rollback(dbapi_conn) -> None:
            try:
                rollback(dbapi_conn)
            finally:
                self.leave(dbapi_conn)

        # Per-engine wrappers (this dialect instance only): the gate opens after SQLite has committed.
        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
        # A connection closed or invalidated mid-transaction (an error) opens the gate too.
        for name in ("checkin", "close", "invalidate", "soft_invalidate"):
            event.listen(engine, name, lambda dbapi_conn, *_: self.leave(dbapi_conn))

    def enter(self, conn) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            # The holder never left (a connection dropped mid-transaction without a checkin). Take the gate over
            # so that it heals at this writer's COMMIT instead of costing every later writer the whole timeout;
            # SQLite's own lock still decides whether the old holder is alive.
            log.warning("sqlite write gate held for %.0f s without release; taking it over", self.timeout)
        self._holder = _raw(conn.connection)

    def leave(self, dbapi_conn) -> None:
        if dbapi_conn is not None and self._holder is _raw(dbapi_conn):
            self._holder = None
            self._lock.release()


def _raw(conn):
    """The driver's connection behind a pool proxy (or the driver's connection itself)."""
    return getattr(conn, "dbapi_connection", conn)


def wrote_in_transaction(conn) -> bool:
    """Whether this connection's open transaction has changed any row (SQLite: counted since BEGIN; unknown if
    the engine was not made here, which counts as having written)."""
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None
    before = conn.info.get(CHANGES_AT_BEGIN)
    return before is None or conn.connection.dbapi_connection.total_changes != before


def readonly(engine: Engine) -> Engine:
    """The same engine for read-only sessions: on SQLite they begin DEFERRED (no write lock)."""
    return engine.execution_options(sqlite_begin="DEFERRED") if engine.dialect.name == "sqlite" else engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine built from settings."""
    s = get_settings()
    return make_engine(s.database_url, echo=s.db.echo, pool_size=s.db.pool_size)


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# Wake-ups across processes on PostgreSQL. In-process hooks wake an engine in the same process; a web-only
# instance has none, so its new work waited for an engine's next poll. A transaction that created due work also
# sends `NOTIFY dutydesk_wake`, which PostgreSQL delivers to listeners only once it commits (never for a
# rolled-back one); the engine's listener (engine/listener.py) calls the same hooks. A lost notification only
# delays work until the next poll: the rows are the truth. SQLite: nothing (one machine).
WAKE_CHANNEL = "dutydesk_wake"
_NOTIFY = "dutydesk_notify"


def notify_at_commit(session: Session, payload: str) -> None:
    """Send `payload` on WAKE_CHANNEL when this session's transaction commits (PostgreSQL only)."""
    session.info.setdefault(_NOTIFY, set()).add(payload)


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    payloads = session.info.pop(_NOTIFY, None)
    if not payloads or session.get_bind().dialect.name != "postgresql":
        return
    for payload in sorted(payloads):
        session.connection().execute(text("SELECT pg_notify(:channel, :payload)"),
                                     {"channel": WAKE_CHANNEL, "payload": payload})


@event.listens_for(Session, "after_rollback")
def _forget_notify(session: Session) -> None:
    session.info.pop(_NOTIFY, None)
