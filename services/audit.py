"""Write, seal and verify the append-only, hash-chained audit log (审计日志).

Writers call `record`, which only inserts: no lock, no read of the chain's
tail, so concurrent transactions never wait on each other for the audit log.
`seal` (the engine runs it every second; housekeeping backs it up) gives each
committed entry, in `seq` order, the next chain position and a SHA-256 hash
over its content and the previous entry's hash. `verify` walks the chain and
names every entry that was edited, removed or unsealed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlmodel import Session

from models.audit import AuditCheck, AuditEntry
from models.types import utcnow
from services.alerts import Alert

GENESIS = "0" * 64
SEAL_LOCK = 4242  # PostgreSQL advisory lock id: one sealer at a time


def jsonable(obj: Any) -> dict[str, Any] | None:
    """A model or dict as plain JSON-safe data (UUIDs and datetimes as strings)."""
    if obj is None:
        return None
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    return json.loads(json.dumps(obj, default=str))


def entry_id_of(value: Any) -> Any:
    return getattr(value, "id", value) if value is not None else ""


def record(
    *, session: Session, actor: str, action: str, entity: str, entity_id: Any = "",
    before: Any = None, after: Any = None, unit_id: Any = "", note: str = "", at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (sealed into the chain after commit)."""
    entry = AuditEntry(
        at=at or utcnow(), actor=actor, action=action, entity=entity,
        entity_id=str(entry_id_of(entity_id)), unit_id=str(unit_id or ""),
        before=jsonable(before), after=jsonable(after), note=note[:500],
    )
    session.add(entry)
    return entry


def change(*, session: Session, row: Any, actor: str, action: str, entity: str, unit_id: Any = "",
           note: str = "", **values: Any) -> Any:
    """Set `values` on a table row, flush, and record the change with its before/after."""
    before = jsonable(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action=action, entity=entity, entity_id=row.id, unit_id=unit_id,
           before=before, after=row, note=note)
    return row


_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode
T = AuditEntry.__table__
CONTENT = (T.c.seq, T.c.at, T.c.actor, T.c.action, T.c.entity, T.c.entity_id, T.c.unit_id, T.c.before, T.c.after,
           T.c.note)


def digest(pos, seq, at, actor, action, entity, entity_id, unit_id, before, after, note, prev) -> str:
    """The chain hash of one entry at position `pos` after an entry hashed `prev`."""
    payload = {
        "pos": pos, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "unit_id": unit_id, "before": before, "after": after, "note": note, "prev": prev,
    }
    return hashlib.sha256(_dumps(payload).encode()).hexdigest()


def seal(*, session: Session, batch: int = 5000) -> int:
    """Chain every committed, unsealed entry (oldest first); returns how many. The caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        if not session.execute(text(f"SELECT pg_try_advisory_xact_lock({SEAL_LOCK})")).scalar():
            return 0  # another sealer is at work
    tail = session.execute(select(T.c.chain_pos, T.c.hash).where(T.c.chain_pos.is_not(None))
                           .order_by(T.c.chain_pos.desc()).limit(1)).first()
    pos, prev = (tail[0], tail[1]) if tail else (0, GENESIS)
    sealed = 0
    stmt = update(T).where(T.c.seq == bindparam("k")).values(
        chain_pos=bindparam("p"), prev_hash=bindparam("ph"), hash=bindparam("h"))
    while True:
        rows = session.execute(select(*CONTENT).where(T.c.chain_pos.is_(None)).order_by(T.c.seq).limit(batch)).all()
        if not rows:
            return sealed
        params = []
        for row in rows:
            pos += 1
            h = digest(pos, *row, prev)
            params.append({"k": row[0], "p": pos, "ph": prev, "h": h})
            prev = h
        session.execute(stmt, params, execution_options={"synchronize_session": False})
        sealed += len(rows)


@dataclass
class ChainProblem:
    seq: int
    reason: str


def verify(*, session: Session, batch: int = 20000) -> tuple[int, list[ChainProblem]]:
    """Walk the sealed chain in order; return (entries checked, problems found)."""
    cols = (T.c.chain_pos, *CONTENT, T.c.prev_hash, T.c.hash)
    problems: list[ChainProblem] = []
    prev, checked, last = GENESIS, 0, 0
    while True:
        rows = session.execute(select(*cols).where(T.c.chain_pos > last).order_by(T.c.chain_pos).limit(batch)).all()
        if not rows:
            return checked, problems
        for row in rows:
            pos, seq, stored_prev, stored = row[0], row[1], row[11], row[12]
            if pos != last + 1 or stored_prev != prev:
                problems.append(ChainProblem(seq, "previous entry missing or altered (prev_hash mismatch)"))
            if digest(*row[:11], stored_prev) != stored:
                problems.append(ChainProblem(seq, "entry content altered (hash mismatch)"))
            prev, last = stored, pos
        checked += len(rows)


def pending(*, session: Session) -> int:
    """Entries written but not sealed yet (normally only the last second's)."""
    return session.execute(select(func.count()).select_from(T).where(T.c.chain_pos.is_(None))).scalar_one()


def check(*, session: Session, by: str, now: datetime) -> AuditCheck:
    """Seal what is pending, verify the whole chain and record the result (shown to auditors)."""
    started = time.perf_counter()
    seal(session=session)
    checked, problems = verify(session=session)
    row = AuditCheck(at=now, by=by, checked=checked, pending=pending(session=session),
                     problems=[{"seq": p.seq, "reason": p.reason} for p in problems],
                     seconds=round(time.perf_counter() - started, 3))
    session.add(row)
    session.flush()
    return row


def last_check(*, session: Session) -> AuditCheck | None:
    """The most recent verification, if any."""
    return session.execute(select(AuditCheck).order_by(AuditCheck.id.desc()).limit(1)).scalars().first()


def chain_alerts(session: Session, now: datetime, settings) -> list[Alert]:
    """Alert source: a broken audit chain, or entries left unsealed (no sealer running), must be seen."""
    out: list[Alert] = []
    last = last_check(session=session)
    if last is not None and last.problems:
        out.append(Alert("audit_chain_broken", "critical",
                         f"审计链校验发现 {len(last.problems)} 处篡改或缺失（{last.at.astimezone(settings.tz):%m-%d %H:%M}）",
                         f"audit chain check found {len(last.problems)} problems", count=len(last.problems),
                         link="/audit"))
    oldest = session.execute(select(func.min(AuditEntry.at)).where(AuditEntry.chain_pos.is_(None))).scalar()
    if oldest is not None and now - oldest > timedelta(minutes=5):
        out.append(Alert("audit_unsealed", "warning", "审计日志有超过5分钟未封存的记录：引擎可能未运行",
                         "audit entries unsealed for over 5 minutes: is an engine running?", link="/audit"))
    return out
