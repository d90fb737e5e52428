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

from models.rosters import RosterSlot
from rules.roster_policy import RosterPolicy, slot_bounds
from rules.rotation_explain import Assignment

COLUMNS = ("unit_id", "day", "idx", "post", "person_id", "starts_at", "ends_at", "day_class", "why")


def why_json(a: Assignment) -> str:
    """The compact explanation stored with a slot: reason, detail, skipped, festival."""
    out = f'{{"r":"{a.reason}","d":{a.detail}'
    if a.skipped:
        out += ',"s":[' + ",".join(f'["{p}","{c}"]' for p, c in a.skipped) + "]"
    if a.festival:
        out += ',"f":' + json.dumps(a.festival, ensure_ascii=False)
    return out + "}"


def _sqlite_ts(v: datetime) -> str:
    return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class SlotWriter:
    """Writes assignments of one unit at a time; reuses per-day bounds across units."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._bounds: dict[tuple, tuple] = {}
        self.written = 0

    def _bound(self, policy: RosterPolicy, day: date, idx: int) -> tuple:
        key = (policy.tz, policy.handover, policy.slot_hours, day, idx)
        b = self._bounds.get(key)
        if b is None:
            s, e = slot_bounds(policy, day, idx)
            b = self._bounds[key] = (s, e, _sqlite_ts(s), _sqlite_ts(e), day.isoformat())
        return b

    def write(self, unit_id: uuid.UUID, policy: RosterPolicy, assignments: Iterable[Assignment]) -> int:
        """Insert the assignments as roster_slot rows; returns how many."""
        pg = self.dialect == "postgresql"
        ids: dict[str, object] = {}
        unit = unit_id if pg else unit_id.hex
        rows = []
        for a in assignments:
            pid = ids.get(a.person)
            if pid is None:
                u = uuid.UUID(a.person)
                pid = ids[a.person] = u if pg else u.hex
            s, e, ss, es, iso = self._bound(policy, a.day, a.index)
            if pg:
                rows.append((unit, a.day, a.index, a.post, pid, s, e, a.day_class, why_json(a)))
            else:
                rows.append((unit, iso, a.index, a.post, pid, ss, es, a.day_class, why_json(a)))
        if not rows:
            return 0
        self.session.flush()
        raw = self.session.connection().connection.dbapi_connection
        cols = ", ".join(COLUMNS)
        if pg:
            with raw.cursor() as cur, cur.copy(f"COPY roster_slot ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur = raw.cursor()
            cur.executemany(f"INSERT INTO roster_slot ({cols}) VALUES (?,?,?,?,?,?,?,?,?)", rows)
            cur.close()
        self.written += len(rows)
        return len(rows)


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
