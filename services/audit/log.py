"""Writing the audit log (审计日志): every change is one inserted entry, in the caller's transaction.

`record` only inserts: no lock, no read of the chain's tail, so concurrent transactions never wait on each
other for the audit log; the sealer chains the entries afterwards (services/audit/chain.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from models.audit import AuditEntry
from models.types import utcnow


# Digests the audit log says are set, never what they are (a duty code has only 10^4..10^6 values).
SET_ONLY = ("duty_code_hash",)


def jsonable(obj: Any) -> dict[str, Any] | None:
    """A model or dict as plain JSON-safe data (UUIDs and datetimes as strings)."""
    if obj is None:
        return None
    data = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else json.loads(json.dumps(obj, default=str))
    for key in SET_ONLY:
        if isinstance(data, dict) and key in data:
            data[key] = bool(data[key])
    return data


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
           note: str = "", fields: dict[str, Any] | None = None, **values: Any) -> Any:
    """Set `values` (and `fields`, for names such as `unit_id` that are also this function's own parameters) on a
    table row, flush, and record the change with its before/after."""
    before = jsonable(row)
    for key, value in {**(fields or {}), **values}.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action=action, entity=entity, entity_id=row.id, unit_id=unit_id,
           before=before, after=row, note=note)
    return row
