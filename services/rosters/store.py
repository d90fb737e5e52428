"""Fast storage of roster slots: COPY on PostgreSQL, executemany on SQLite, in the caller's transaction.

A province is ~2 million person-slots, so rows are built as plain tuples in the
database's own text formats instead of going through the ORM.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from models.rosters.roster import RosterSlot
from rules.rosters.explain import Assignment
from rules.rosters.policy import RosterPolicy, slot_bounds

# The order of the queued row tuples: start and unit first, so sorting the tuples sorts by start.
ROW_COLUMNS = ("starts_at", "unit_id", "day", "idx", "post", "person_id", "ends_at", "day_class", "why")


def why_json(a: Assignment) -> str:
    """The compact explanation stored with a slot: reason, detail, skipped, festival."""
    out = f'{{"r":"{a.reason}","d":{a.detail}'
    if a.skipped:
        out += ',"s":[' + ",".join(f'["{p}","{c}"]' for p, c in a.skipped) + "]"
    if a.festival:
        out += ',"f":' + json.dumps(a.festival, ensure_ascii=False)
    return out + "}"


def _utc_text(v: datetime) -> str:
    """A timestamp as naive UTC text (SQLite's storage; PostgreSQL gets it with "+00")."""
    return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def copy_escape(v: str) -> str:
    """A value in PostgreSQL's COPY text format (backslash, tab and line ends escaped)."""
    if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
        v = v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return v


class BulkCache:
    """A bigger SQLite page cache for the connections of one bulk run, put back by `release()`.

    A batch touches leaf pages all over the time-ordered "on duty" index; with the
    2 MB default the same pages spilled to the WAL again and again (~13 GB written
    for a province). Kept for the whole run, the cache also stays warm from one
    chunk to the next. `release()` after the last commit.
    """

    def __init__(self, cache_mb: int = 0) -> None:
        self.cache_mb = cache_mb
        self._before: dict[object, int] = {}  # raw connection -> its cache_size

    def raise_for(self, raw) -> None:
        if self.cache_mb and raw not in self._before:
            self._before[raw] = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size={-1024 * self.cache_mb}")

    def release(self) -> None:
        for raw, before in self._before.items():
            raw.execute(f"PRAGMA cache_size={int(before)}")
        self._before.clear()


def bulk_insert(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple],
                cache: BulkCache | None = None) -> int:
    """Rows already in the database's text forms, in the caller's transaction: COPY text on PostgreSQL (every
    value a str, escaped with `copy_escape`), executemany on SQLite (multi-row INSERTs were slower here)."""
    if not rows:
        return 0
    session.flush()
    raw = session.connection().connection.dbapi_connection
    cols = ", ".join(columns)
    if session.get_bind().dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for i in range(0, len(rows), 10_000):
                copy.write("".join(["\t".join(r) + "\n" for r in rows[i:i + 10_000]]))
        return len(rows)
    if cache is not None:
        cache.raise_for(raw)
    cur = raw.cursor()
    cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(columns))})", rows)
    if table == "roster_slot":  # PostgreSQL's statement trigger does this; SQLite's would fire once per row
        cur.execute("UPDATE roster_stamp SET token = lower(hex(randomblob(8))), version = version + 1, "
                    "all_at = version + 1 WHERE name = 'on_duty'")
    cur.close()
    return len(rows)


class SlotWriter:
    """Queues assignments of many units and writes them at once; reuses per-day bounds across units.

    Rows are built as tuples of the database's own text forms (UUIDs as 32 hex
    digits, UTC timestamps as text), so neither driver adapts values one by one,
    and go in sorted by start (the order of the "on duty" index).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._bounds: dict[tuple, dict] = {}
        self._rows: list[tuple] = []

    def _bounds_of(self, policy: RosterPolicy) -> dict:
        """(day, idx) -> (starts, ends, day) as text, shared by units with the same handover."""
        return self._bounds.setdefault((policy.tz, policy.handover, policy.slot_hours), {})

    def _bound(self, policy: RosterPolicy, day: date, idx: int) -> tuple[str, str, str]:
        s, e = slot_bounds(policy, day, idx)
        zone = "+00" if self.dialect == "postgresql" else ""  # SQLite keeps naive UTC text; PG is told it is UTC
        return _utc_text(s) + zone, _utc_text(e) + zone, day.isoformat()

    def write(self, unit_id: uuid.UUID, policy: RosterPolicy, assignments: Iterable[Assignment]) -> int:
        """Insert the assignments as roster_slot rows now; returns how many."""
        self.add(unit_id, policy, assignments)
        return bulk_insert(self.session, "roster_slot", ROW_COLUMNS, self.take())

    def add(self, unit_id: uuid.UUID, policy: RosterPolicy, assignments: Iterable[Assignment]) -> int:
        """Queue the assignments as rows (`take` them for one bulk write of many units)."""
        pg = self.dialect == "postgresql"
        ids: dict[str, str] = {}
        posts: dict[str, str] = {}
        unit = unit_id.hex
        rows, n = self._rows, len(self._rows)
        append = rows.append
        bounds = self._bounds_of(policy)
        for a in assignments:
            pid = ids.get(a.person)
            if pid is None:
                pid = ids[a.person] = uuid.UUID(a.person).hex
            b = bounds.get((a.day, a.index))
            if b is None:
                b = bounds[(a.day, a.index)] = self._bound(policy, a.day, a.index)
            starts, ends, iso = b
            if pg:
                post = posts.get(a.post)
                if post is None:
                    post = posts[a.post] = copy_escape(a.post)
                append((starts, unit, iso, str(a.index), post, pid, ends, a.day_class, copy_escape(why_json(a))))
            else:
                append((starts, unit, iso, a.index, a.post, pid, ends, a.day_class, why_json(a)))
        return len(rows) - n

    def take(self) -> list[tuple]:
        """The queued rows, sorted by start then unit; the queue is emptied.

        The sort is stable and on those two only, so people of one slot keep the order they were given in
        (the ids, and so the order the month is read and exported in, follow it: 值班员 甲 before 乙)."""
        rows, self._rows = self._rows, []
        rows.sort(key=_start_unit)
        return rows


def _start_unit(row: tuple) -> tuple:
    return row[0], row[1]


def delete_range(session: Session, unit_id: uuid.UUID, first: date, last: date) -> int:
    """Remove a unit's stored slots on local dates [first, last]."""
    r = session.execute(delete(RosterSlot).where(RosterSlot.unit_id == unit_id, RosterSlot.day >= first,
                                                 RosterSlot.day <= last))
    return r.rowcount or 0


def to_assignment(row: RosterSlot) -> Assignment:
    """A stored slot as the rules' Assignment (for gaps, fairness, substitutes)."""
    w = row.why or {}
    skipped = tuple((p, c) for p, c in w.get("s", ()))
    return Assignment(row.day, row.idx, row.post, str(row.person_id), row.day_class, w.get("r", "manual"),
                      int(w.get("d", 0)), skipped, w.get("f", ""))


def load_slots(session: Session, unit_id: uuid.UUID, first: date, last: date) -> list[RosterSlot]:
    q = (select(RosterSlot).where(RosterSlot.unit_id == unit_id, RosterSlot.day >= first, RosterSlot.day <= last)
         .order_by(RosterSlot.day, RosterSlot.idx, RosterSlot.post, RosterSlot.id))
    return list(session.execute(q).scalars())
