"""Handover (交接班) signed by the incoming person, open items carried over; the duty log (值班日志)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from models.directory import Person
from models.rosters.duty import DutyLogEntry, Handover
from models.rosters.roster import RosterSlot
from services import audit
from services.access import Actor

LOG_KINDS = ("call", "event", "note")


def _previous(session: Session, unit_id: uuid.UUID, day: date, idx: int) -> Handover | None:
    q = (select(Handover).where(Handover.unit_id == unit_id,
                                (Handover.day < day) | ((Handover.day == day) & (Handover.idx < idx)))
         .order_by(Handover.day.desc(), Handover.idx.desc()).limit(1))
    return session.exec(q).first()


def _officer(session: Session, unit_id: uuid.UUID, day: date, idx: int) -> uuid.UUID | None:
    q = (select(RosterSlot.person_id).where(RosterSlot.unit_id == unit_id, RosterSlot.day == day,
                                            RosterSlot.idx == idx, RosterSlot.post == "officer")
         .order_by(RosterSlot.id))
    return session.exec(q).first()


def open_handover(*, session: Session, unit_id: uuid.UUID, day: date, by: Actor, idx: int = 0, notes: str = "",
                  items: list[str] | None = None, incoming_id: uuid.UUID | None = None) -> Handover:
    """Start the handover into slot (day, idx); open items of the previous handover carry over."""
    by.check_own_unit(unit_id)
    actor = by.name
    if session.exec(select(Handover.id).where(Handover.unit_id == unit_id, Handover.day == day,
                                              Handover.idx == idx)).first():
        raise Conflict(f"{day} 的交接班记录已存在 (the handover already exists)", field="day")
    incoming = incoming_id or _officer(session, unit_id, day, idx)
    person = session.get(Person, incoming) if incoming is not None else None
    if person is None:
        raise Invalid(f"{day} 没有排值班员：请指定接班人 (nobody is rostered: name the incoming person)", field="incoming_id")
    if person.unit_id != unit_id:
        raise Invalid(f"接班人须为本单位人员：{by.name_of(person)}不在本单位 (the incoming person must be of the unit)",
                      field="incoming_id")
    prev = _previous(session, unit_id, day, idx)
    carried = [dict(i, carried=True) for i in (prev.open_items if prev else []) if not i.get("done")]
    new = [{"text": t.strip(), "done": False} for t in (items or []) if t.strip()]
    row = Handover(unit_id=unit_id, day=day, idx=idx, incoming_id=incoming, notes=notes,
                   outgoing_id=prev.incoming_id if prev else None, open_items=carried + new)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="handover", entity_id=row.id,
                 unit_id=unit_id, after=row)
    return row


def sign(*, session: Session, handover_id: uuid.UUID, now: datetime, by: Actor,
         done: list[int] | None = None) -> Handover:
    """The incoming person signs (the duty office may sign on their behalf); items marked done stop carrying over."""
    row, missing = session.get(Handover, handover_id), f"未找到该交接班记录 (handover {handover_id} not found)"
    if row is None:
        raise NotFound(missing, field="handover_id")
    by.check_unit(row.unit_id, field="handover_id", reason=missing)
    if row.signed_at is not None:
        raise Conflict("该交接班已签字 (the handover is already signed)", field="handover_id")
    if not by.office and not by.is_person(row.incoming_id):
        raise Forbidden("只有接班人本人可以签字交接 (only the incoming person signs the handover)",
                        field="handover_id").refusing(by.name)
    actor = by.name
    before = audit.jsonable(row)
    items = [dict(i) for i in row.open_items]
    for n in done or []:
        if not 0 <= n < len(items):
            raise Invalid(f"没有第 {n} 项未办结事项 (no open item number {n})", field="done")
        items[n]["done"] = True
    row.open_items, row.signed_at, row.signed_by = items, now, actor
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="sign", entity="handover", entity_id=row.id,
                 unit_id=row.unit_id, before=before, after=row)
    return row


def list_handovers(*, session: Session, unit_id: uuid.UUID, by: Actor, limit: int = 60) -> list[Handover]:
    by.check_own_unit(unit_id)
    q = select(Handover).where(Handover.unit_id == unit_id).order_by(Handover.day.desc(), Handover.idx.desc())
    return list(session.exec(q.limit(limit)))


def log(*, session: Session, unit_id: uuid.UUID, day: date, at: datetime, kind: str, content: str, by: Actor,
        idx: int = 0) -> DutyLogEntry:
    """Add a duty-log entry to a slot."""
    by.check_own_unit(unit_id)
    actor = by.name
    if kind not in LOG_KINDS:
        raise Invalid(f"类型须为以下之一：{'、'.join(LOG_KINDS)} (kind must be one of these)", field="kind")
    if not content.strip():
        raise Invalid("内容不能为空 (content is empty)", field="content")
    row = DutyLogEntry(unit_id=unit_id, day=day, idx=idx, at=at, kind=kind, content=content.strip()[:2000],
                       created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="duty_log", entity_id=row.id,
                 unit_id=unit_id, after=row)
    return row


def log_entries(*, session: Session, unit_id: uuid.UUID, first: date, last: date, by: Actor) -> list[DutyLogEntry]:
    by.check_own_unit(unit_id)
    q = (select(DutyLogEntry).where(DutyLogEntry.unit_id == unit_id, DutyLogEntry.day >= first,
                                    DutyLogEntry.day <= last).order_by(DutyLogEntry.at))
    return list(session.exec(q))
