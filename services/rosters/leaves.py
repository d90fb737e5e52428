"""Leave reporting (请假报备): file, approve, 销假, cancel, list; validation in rules.rosters.leave; who is away when
in absences.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import Session, or_, select

from core.errors import Conflict, Invalid, NotFound, ServiceError
from models.accounts import Role
from models.directory import Person
from models.rosters.leave import LeaveCreate, LeavePair, LeaveReport, LeaveStatus
from rules.rosters.away import Acting
from rules.rosters.leave import LeavePolicy, validate_leave
from services import audit
from services.access import Actor
from services.rosters import gaps
from services.rosters.absences import acting_for, leaves_between, to_rule
from services.rosters.calendar import load_calendar

LEAVE_HORIZON_DAYS = 366


def _pairs(session: Session, person_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = session.exec(select(LeavePair).where(or_(LeavePair.person_a == person_id, LeavePair.person_b == person_id)))
    return [(str(r.person_a), str(r.person_b)) for r in rows]


def may_act_for(session: Session, by: Actor, person: Person | None) -> None:
    """Who may file or change someone's leave: the duty office anyone's, a unit reporter their unit's people,
    anyone else (a leader) only their own."""
    if person is not None and (by.acts_for_unit(person.unit_id) or by.is_person(person.id)):
        return
    by.refuse(person.unit_id if person else None, "只能填报或修改本人（或本单位人员）的请假 (you may file and change only "
              "your own leave)", "person", field="person_id")


def file_leave(*, session: Session, data: LeaveCreate, today: date, by: Actor, tz: str) -> LeaveReport:
    """Validate and store a leave report (leading cadres) or absence (anyone else); Invalid names the field."""
    person, missing = session.get(Person, data.person_id), "未找到该请假人 (no such person)"
    if person is None:
        raise NotFound(missing, field="person_id")
    by.check_unit(person.unit_id, field="person_id", reason=missing)  # another unit's: as if absent (access.py)
    if not person.active:
        raise Invalid("请假人已停用 (the person is no longer active)", field="person_id")
    may_act_for(session, by, person)
    for name in ("start_day", "end_day"):  # a year either way: beyond it a date is a typing slip (e.g. 2099)
        if abs((getattr(data, name) - today).days) > LEAVE_HORIZON_DAYS:
            raise Invalid(f"日期超出合理范围（须在今天前后{LEAVE_HORIZON_DAYS}天以内）", field=name)
    actor = by.name
    acting = session.get(Person, data.acting_person_id) if data.acting_person_id is not None else None
    if data.acting_person_id is not None and (acting is None or not acting.active):
        raise Invalid("主持工作人员不存在或已停用", field="acting_person_id")
    if acting is not None and acting.unit_id != person.unit_id:  # 主持工作 is someone of the same unit
        raise Invalid(f"主持工作人员须为本单位人员：{by.name_of(acting)}不在请假人所在单位 "
                      "(the acting person must be of the same unit)",
                      field="acting_person_id")
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
    row.needs_review = check.needs_review
    row.status = LeaveStatus.pending_approval if check.needs_approval else LeaveStatus.filed
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="leave", entity_id=row.id,
                 unit_id=row.unit_id, after=row,
                 note=f"急事请假（{row.urgent_reason}），待审核" if row.needs_review else "")
    _refresh(session, row, tz)
    return row


_FIELD = {"acting": "acting_person_id"}


def _get(session: Session, leave_id: uuid.UUID, by: Actor) -> LeaveReport:
    """The leave, when `by` may see it (another unit's leave is 404 to a unit reporter)."""
    row, missing = session.get(LeaveReport, leave_id), f"未找到该请假报备 (leave report {leave_id} not found)"
    if row is None:
        raise NotFound(missing, field="leave_id")
    by.check_unit(row.unit_id, field="leave_id", reason=missing)
    return row


def _change(session: Session, row: LeaveReport, actor: str, tz: str, action: str, **values) -> LeaveReport:
    audit.change(session=session, row=row, actor=actor, action=action, entity="leave", unit_id=row.unit_id,
                 **values)
    _refresh(session, row, tz)
    return row


def approve(*, session: Session, leave_id: uuid.UUID, now: datetime, by: Actor, tz: str) -> LeaveReport:
    """The duty office approves a head's leave in flood season."""
    row = _get(session, leave_id, by)
    by.require_office("审批请假", field="leave_id")
    actor = by.name
    if row.status is not LeaveStatus.pending_approval:
        raise Conflict(f"该请假当前状态为 {row.status.value}，不在待审批中 (not waiting for approval)", field="status")
    return _change(session, row, actor, tz, "approve", status=LeaveStatus.filed, approved_by=actor, approved_at=now)


def mark_returned(*, session: Session, leave_id: uuid.UUID, now: datetime, by: Actor, tz: str) -> LeaveReport:
    """销假: the person is back; an early return shortens the leave."""
    row = _get(session, leave_id, by)
    may_act_for(session, by, session.get(Person, row.person_id))
    actor = by.name
    if row.status not in (LeaveStatus.filed, LeaveStatus.pending_approval):
        raise Conflict(f"该请假当前状态为 {row.status.value}，无需销假 (nothing to close)", field="status")
    return _change(session, row, actor, tz, "return", status=LeaveStatus.returned, returned_at=now)


def review(*, session: Session, leave_id: uuid.UUID, now: datetime, by: Actor, tz: str) -> LeaveReport:
    """The duty office reviews an urgent (急事) report that skipped the lead time: 待审核 no longer shows."""
    row = _get(session, leave_id, by)
    by.require_office("审核急事请假", field="leave_id")
    if not row.needs_review:
        raise Conflict("该请假无需审核 (not waiting for review)", field="needs_review")
    return _change(session, row, by.name, tz, "review", needs_review=False)


def allowed_actions(session: Session, row: LeaveReport, by: Actor) -> list[str]:
    """What `by` may do to this leave now, by the same rules the actions check (the page shows only these)."""
    office = by.office
    try:
        may_act_for(session, by, session.get(Person, row.person_id))
        own = True
    except ServiceError:
        own = False
    open_ = row.status in (LeaveStatus.filed, LeaveStatus.pending_approval)
    return [act for act, ok in (("review", office and row.needs_review and row.status is not LeaveStatus.cancelled),
                                ("approve", office and row.status is LeaveStatus.pending_approval),
                                ("return", own and open_), ("cancel", own and open_)) if ok]


def cancel(*, session: Session, leave_id: uuid.UUID, by: Actor, tz: str) -> LeaveReport:
    row = _get(session, leave_id, by)
    may_act_for(session, by, session.get(Person, row.person_id))
    actor = by.name
    if row.status is LeaveStatus.returned:
        raise Conflict("已销假的请假不能撤销 (a closed leave cannot be cancelled)", field="status")
    return _change(session, row, actor, tz, "cancel", status=LeaveStatus.cancelled)


def _refresh(session: Session, row: LeaveReport, tz: str) -> None:
    """A leave changes who may be on duty: re-check the gaps of every month it touches."""
    gaps.refresh_for_person(session=session, person_id=row.person_id,
                            first=row.start_day, last=row.end_day + timedelta(days=1), tz=tz)


def list_leaves(*, session: Session, by: Actor, person_id: uuid.UUID | None = None,
                unit_id: uuid.UUID | None = None, limit: int = 200) -> list[LeaveReport]:
    """Leave reports `by` may see (a unit reporter: their unit's), newest first; another unit named by a unit
    reporter is refused as every other list refuses it (403, audited), not answered with their own unit's."""
    q = select(LeaveReport)
    if unit_id is not None:
        by.check_own_unit(unit_id)
        q = q.where(LeaveReport.unit_id == unit_id)
    if by.scope is not None:
        q = q.where(LeaveReport.unit_id == by.scope)
    if person_id is not None:
        q = q.where(LeaveReport.person_id == person_id)
    return list(session.exec(q.order_by(LeaveReport.start_day.desc()).limit(limit)))




def who_acts(*, session: Session, person_id: uuid.UUID, at: datetime, tz: str, by: Actor) -> Acting:
    """Who acts for `person_id` at `at` (主持工作), for someone who may see that person."""
    person = session.get(Person, person_id)
    if person is None or not by.sees(person.unit_id):
        missing = NotFound(f"未找到该人员 (person {person_id} not found)", field="person_id")
        raise missing if person is None else missing.refusing(by.name)  # another unit's person: audited
    return acting_for(session=session, person_id=person_id, at=at, tz=tz)


def filers(*, session: Session, by: Actor) -> list[Person]:
    """The people `by` may file leave for (leading cadres, whose 请假报备 is formal, first)."""
    q = select(Person).where(Person.active)
    if not by.office:
        q = q.where(Person.unit_id == by.unit_id) if by.role is Role.unit_reporter else q.where(Person.id == by.person_id)
    return sorted(session.exec(q), key=lambda p: (not p.is_leading_cadre, str(p.unit_id), p.name))
