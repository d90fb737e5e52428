"""Who is away when (the read side of leave): leaves in force as the rules see them, who acts for whom (主持工作),
overdue 销假. Rosters, gaps, swaps and incident targets ask here; leaves.py writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from models.rosters.leave import LeaveReport, LeaveStatus
from rules.rosters.away import Acting, overdue_returns
from rules.rosters.away import acting_for as rule_acting_for
from rules.rosters.leave import HalfDay, Leave

ACTIVE = (LeaveStatus.filed, LeaveStatus.pending_approval, LeaveStatus.returned)


def to_rule(row: LeaveReport) -> Leave:
    """A stored leave report as the rules' Leave."""
    return Leave(
        person=str(row.person_id), start_day=row.start_day, start_half=HalfDay(row.start_half.value),
        end_day=row.end_day, end_half=HalfDay(row.end_half.value), destination=row.destination,
        reason=row.reason, contact=row.contact, arrangements=row.arrangements,
        acting=str(row.acting_person_id) if row.acting_person_id else "", abroad=row.abroad,
        together_reason=row.together_reason, returned_at=row.returned_at, leave_id=str(row.id),
        urgent=row.urgent, urgent_reason=row.urgent_reason,
    )


def leaves_between(session: Session, first: date, last: date, people: Iterable[uuid.UUID] | None = None) -> list[LeaveReport]:
    """Leaves in force (not cancelled) touching local dates [first, last]."""
    q = select(LeaveReport).where(LeaveReport.status.in_(ACTIVE), LeaveReport.start_day <= last,
                                  LeaveReport.end_day >= first)
    if people is not None:
        q = q.where(LeaveReport.person_id.in_(list(people)))
    return list(session.exec(q))


def leaves_around(session: Session, at: datetime) -> list[LeaveReport]:
    """The leaves `acting_for` looks at for instant `at` (everyone's: chains of absences cross people)."""
    day = at.date()
    return leaves_between(session, day - timedelta(days=1), day + timedelta(days=1))


def acting_for(*, session: Session, person_id: uuid.UUID, at: datetime, tz: str,
               leaves: list[LeaveReport] | None = None) -> Acting:
    """Who acts for `person_id` at instant `at` (主持工作), following chains of absences; `leaves`: those of
    `leaves_around(session, at)` read already (a step asking for several people reads them once)."""
    rows = leaves_around(session, at) if leaves is None else leaves
    return rule_acting_for(str(person_id), at, [to_rule(r) for r in rows], tz)


def acting_person_id(*, session: Session, person_id: uuid.UUID, at: datetime, tz: str,
                     leaves: list[LeaveReport] | None = None) -> uuid.UUID:
    """Just the id of whoever acts for `person_id` at `at` (the person themself when present)."""
    return uuid.UUID(acting_for(session=session, person_id=person_id, at=at, tz=tz, leaves=leaves).person)


def overdue(*, session: Session, now: datetime, tz: str) -> list[LeaveReport]:
    """Leaves past their end with no 销假."""
    rows = list(session.exec(select(LeaveReport).where(
        LeaveReport.status.in_((LeaveStatus.filed, LeaveStatus.pending_approval)),
        LeaveReport.end_day <= now.date())))
    by_id = {str(r.id): r for r in rows}
    return [by_id[o.leave.leave_id] for o in overdue_returns([to_rule(r) for r in rows], now, tz)]
