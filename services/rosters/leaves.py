"""Leave reporting (请假报备): file, approve, 销假, cancel; who acts for whom; validation in rules.rosters.leave."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session, or_, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from models.directory import Person
from models.rosters.leave import LeaveCreate, LeavePair, LeaveReport, LeaveStatus
from rules.rosters.away import Acting, overdue_returns
from rules.rosters.away import acting_for as rule_acting_for
from rules.rosters.leave import HalfDay, Leave, LeavePolicy, validate_leave
from services import audit
from services.rosters.calendar import load_calendar

ACTIVE = (LeaveStatus.filed, LeaveStatus.pending_approval, LeaveStatus.returned)


def to_rule(row: LeaveReport) -> Leave:
    """A stored leave report as the rules' Leave."""
    return Leave(
        person=str(row.person_id), start_day=row.start_day, start_half=HalfDay(row.start_half.value),
        end_day=row.end_day, end_half=HalfDay(row.end_half.value), destination=row.destination,
        reason=row.reason, contact=row.contact, arrangements=row.arrangements,
        acting=str(row.acting_person_id) if row.acting_person_id else "", abroad=row.abroad,
        together_reason=row.together_reason, returned_at=row.returned_at, leave_id=str(row.id),
    )


def leaves_between(session: Session, first: date, last: date, people: Iterable[uuid.UUID] | None = None) -> list[LeaveReport]:
    """Leaves in force (not cancelled) touching local dates [first, last]."""
    q = select(LeaveReport).where(LeaveReport.status.in_(ACTIVE), LeaveReport.start_day <= last,
                                  LeaveReport.end_day >= first)
    if people is not None:
        q = q.where(LeaveReport.person_id.in_(list(people)))
    return list(session.exec(q))


def _pairs(session: Session, person_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = session.exec(select(LeavePair).where(or_(LeavePair.person_a == person_id, LeavePair.person_b == person_id)))
    return [(str(r.person_a), str(r.person_b)) for r in rows]


def file_leave(*, session: Session, data: LeaveCreate, today: date, actor: str, tz: str = "Asia/Shanghai") -> LeaveReport:
    """Validate and store a leave report (leading cadres) or absence (anyone else); Invalid names the field."""
    person = session.get(Person, data.person_id)
    if person is None or not person.active:
        raise Invalid(f"person {data.person_id} not found", field="person_id")
    if data.acting_person_id is not None and session.get(Person, data.acting_person_id) is None:
        raise Invalid(f"acting person {data.acting_person_id} not found", field="acting_person_id")
    row = LeaveReport.model_validate(data, update={"unit_id": person.unit_id, "filed_by": actor})
    pairs = _pairs(session, person.id)
    partner_ids = {uuid.UUID(x) for p in pairs for x in p} - {person.id}
    others = [to_rule(o) for o in leaves_between(session, data.start_day, data.end_day, partner_ids)] if partner_ids else []
    heads = {str(person.id)} if person.is_unit_head else set()
    check = validate_leave(to_rule(row), today=today, calendar=load_calendar(session=session),
                           policy=LeavePolicy(tz=tz), others=others, pairs=pairs, heads=heads,
                           formal=person.is_leading_cadre)
    if check.problems:
        p = check.problems[0]
        message = p.message
        for pid in partner_ids & {uuid.UUID(o.person) for o in others}:  # name the partner, not an id
            message = message.replace(str(pid), getattr(session.get(Person, pid), "name", str(pid)))
        raise Invalid(message, field=_FIELD.get(p.field, p.field))
    row.needs_approval = check.needs_approval
    row.status = LeaveStatus.pending_approval if check.needs_approval else LeaveStatus.filed
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="leave", entity_id=row.id,
                 unit_id=row.unit_id, after=row)
    _refresh(session, row)
    return row


_FIELD = {"acting": "acting_person_id"}


def _get(session: Session, leave_id: uuid.UUID) -> LeaveReport:
    row = session.get(LeaveReport, leave_id)
    if row is None:
        raise NotFound(f"leave report {leave_id} not found", field="leave_id")
    return row


def _change(session: Session, row: LeaveReport, actor: str, action: str, **values) -> LeaveReport:
    audit.change(session=session, row=row, actor=actor, action=action, entity="leave", unit_id=row.unit_id,
                 **values)
    _refresh(session, row)
    return row


def approve(*, session: Session, leave_id: uuid.UUID, now: datetime, actor: str) -> LeaveReport:
    row = _get(session, leave_id)
    if row.status is not LeaveStatus.pending_approval:
        raise Conflict(f"leave is {row.status.value}, not waiting for approval", field="status")
    return _change(session, row, actor, "approve", status=LeaveStatus.filed, approved_by=actor, approved_at=now)


def mark_returned(*, session: Session, leave_id: uuid.UUID, now: datetime, actor: str) -> LeaveReport:
    """销假: the person is back; an early return shortens the leave."""
    row = _get(session, leave_id)
    if row.status not in (LeaveStatus.filed, LeaveStatus.pending_approval):
        raise Conflict(f"leave is {row.status.value}: nothing to close", field="status")
    return _change(session, row, actor, "return", status=LeaveStatus.returned, returned_at=now)


def cancel(*, session: Session, leave_id: uuid.UUID, actor: str, person_id: uuid.UUID | None = None) -> LeaveReport:
    row = _get(session, leave_id)
    if person_id is not None and row.person_id != person_id:
        raise Forbidden("only the person on leave or the duty office may cancel it", field="leave_id")
    if row.status is LeaveStatus.returned:
        raise Conflict("a closed leave cannot be cancelled", field="status")
    return _change(session, row, actor, "cancel", status=LeaveStatus.cancelled)


def _refresh(session: Session, row: LeaveReport) -> None:
    """A leave changes who may be on duty: re-check the gaps of every month it touches."""
    from services.rosters import gaps

    gaps.refresh_for_person(session=session, person_id=row.person_id,
                            first=row.start_day, last=row.end_day + timedelta(days=1))


def acting_for(*, session: Session, person_id: uuid.UUID, at: datetime, tz: str = "Asia/Shanghai") -> Acting:
    """Who acts for `person_id` at instant `at` (主持工作), following chains of absences."""
    day = at.date()
    rows = leaves_between(session, day - timedelta(days=1), day + timedelta(days=1))
    return rule_acting_for(str(person_id), at, [to_rule(r) for r in rows], tz)


def acting_person_id(*, session: Session, person_id: uuid.UUID, at: datetime, tz: str = "Asia/Shanghai") -> uuid.UUID:
    """Just the id of whoever acts for `person_id` at `at` (the person themself when present)."""
    return uuid.UUID(acting_for(session=session, person_id=person_id, at=at, tz=tz).person)


def overdue(*, session: Session, now: datetime, tz: str = "Asia/Shanghai") -> list[LeaveReport]:
    """Leaves past their end with no 销假."""
    rows = list(session.exec(select(LeaveReport).where(
        LeaveReport.status.in_((LeaveStatus.filed, LeaveStatus.pending_approval)),
        LeaveReport.end_day <= now.date())))
    by_id = {str(r.id): r for r in rows}
    return [by_id[o.leave.leave_id] for o in overdue_returns([to_rule(r) for r in rows], now, tz)]


def list_leaves(*, session: Session, unit_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                limit: int = 200) -> list[LeaveReport]:
    q = select(LeaveReport)
    if unit_id is not None:
        q = q.where(LeaveReport.unit_id == unit_id)
    if person_id is not None:
        q = q.where(LeaveReport.person_id == person_id)
    return list(session.exec(q.order_by(LeaveReport.start_day.desc()).limit(limit)))


