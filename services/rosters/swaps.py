"""Shift swaps (换班): requested, confirmed by the counterpart, approved; eligibility and holiday lead time."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.settings import Settings
from models.accounts import Role
from models.directory import Person
from models.rosters.duty import Swap, SwapCreate, SwapStatus
from models.rosters.roster import DutyPost, RosterSlot
from rules.rosters.away import active_leave
from rules.rosters.policy import RosterPolicy, slot_bounds
from services import audit
from services.access import Actor
from services.rosters import policy as pol
from services.rosters.absences import leaves_between, to_rule
from services.rosters.calendar import load_calendar
from services.rosters.publish import eligible, post_label, reassign


def _slot(session: Session, slot_id: int, field: str) -> RosterSlot:
    slot = session.get(RosterSlot, slot_id)
    if slot is None:
        raise NotFound(f"未找到该班次 (slot {slot_id} not found)", field=field)
    return slot


def _check_free(session: Session, policy: RosterPolicy, slot: RosterSlot, person: Person, tz: str,
                by: Actor) -> None:
    """The person taking `slot` must be in the pool, not on leave, not already on duty in it. A person of a unit
    the actor may not see is not named (nor told whether they are on leave)."""
    if not eligible(session, slot.unit_id, slot.post, person.id):
        post = post_label(session, slot.unit_id, slot.post)
        raise Invalid(f"{by.name_of(person)}不在{post}岗位的可排人员中 (not eligible for post {slot.post}: not in its "
                      "pool)", field="counterpart_id")
    start, end = slot_bounds(policy, slot.day, slot.idx)
    leaves = [to_rule(r) for r in leaves_between(session, slot.day, slot.day, [person.id])]
    if active_leave(str(person.id), start, leaves, tz) or active_leave(str(person.id), end - timedelta(seconds=1), leaves, tz):
        raise Invalid(f"{person.name}在 {slot.day} 请假 (is on leave on {slot.day})", field="counterpart_id")
    busy = session.exec(select(RosterSlot.id).where(RosterSlot.unit_id == slot.unit_id, RosterSlot.day == slot.day,
                                                    RosterSlot.idx == slot.idx, RosterSlot.person_id == person.id)).first()
    if busy is not None:
        raise Invalid(f"{person.name}在 {slot.day} 已有该班次 (is already on duty on {slot.day})", field="counterpart_id")


def request(*, session: Session, data: SwapCreate, now: datetime, by: Actor, settings: Settings,
            override: bool = False) -> Swap:
    """Register a swap request: one's own slot, or any slot of the unit for the office and the unit's reporter;
    with `override` (the duty office only) it is approved and applied at once."""
    slot = _slot(session, data.slot_id, "slot_id")
    by.check_unit(slot.unit_id, field="slot_id", reason=f"未找到该班次 (slot {data.slot_id} not found)")
    if override and not by.office:
        raise Forbidden("只有值班室可以直接登记换班 (only the duty office registers override swaps)", field="override")
    if not by.acts_for_unit(slot.unit_id) and not by.is_person(slot.person_id):
        raise Forbidden("只能用本人的班次换班 (you can only offer your own slots)", field="slot_id").refusing(by.name)
    actor = by.name
    counterpart = session.get(Person, data.counterpart_id)
    if counterpart is None or not counterpart.active:
        raise Invalid(f"未找到该人员 (person {data.counterpart_id} not found)", field="counterpart_id")
    if counterpart.id == slot.person_id:
        raise Invalid("换班对象已在该班次 (the counterpart already holds this slot)", field="counterpart_id")
    tz = settings.timezone
    policy = pol.load_policy(session, slot.unit_id, tz)
    start, _ = slot_bounds(policy, slot.day, slot.idx)
    if start <= now:
        raise Invalid(f"{slot.day} 的班次已开始，不能换班 (the slot has already started)", field="slot_id")
    if load_calendar(session=session).is_holiday(slot.day) and not override:
        local_today = now.astimezone(policy.zone).date()
        lead = settings.rosters.holiday_swap_lead_days  # DOMAIN.md: ≥2 days ahead
        if (slot.day - local_today).days < lead:
            raise Invalid(f"法定节假日的换班须至少提前 {lead} 天登记 (holiday swaps must be registered at least {lead} days ahead "
                          f"({slot.day} is a statutory holiday)", field="slot_id")
    _check_free(session, policy, slot, counterpart, tz, by)
    back = None
    if data.counterpart_slot_id is not None:
        back = _slot(session, data.counterpart_slot_id, "counterpart_slot_id")
        if back.person_id != counterpart.id or back.unit_id != slot.unit_id:
            raise Invalid("换回的班次须是换班对象本人在同一单位的班次 "
                          "(the slot given back must be the counterpart's, in the same unit)", field="counterpart_slot_id")
        _check_free(session, policy, back, session.get(Person, slot.person_id), tz, by)
    pending = session.exec(select(Swap.id).where(Swap.slot_id == slot.id, Swap.status.in_(
        (SwapStatus.requested, SwapStatus.confirmed)))).first()
    if pending is not None:
        raise Conflict("该班次已有待处理的换班申请 (a swap for this slot is already pending)", field="slot_id")
    swap = Swap(unit_id=slot.unit_id, slot_id=slot.id, requester_id=slot.person_id, counterpart_id=counterpart.id,
                counterpart_slot_id=back.id if back else None, day=slot.day, post=slot.post, reason=data.reason,
                requested_at=now, requested_by=actor, override=override)
    session.add(swap)
    session.flush()
    audit.record(session=session, actor=actor, action="request", entity="swap", entity_id=swap.id,
                 unit_id=swap.unit_id, after=swap)
    if override:
        _apply(session, swap, now, by, tz)
    return swap


def _get(session: Session, swap_id: uuid.UUID, by: Actor) -> Swap:
    swap = session.get(Swap, swap_id)
    if swap is None:
        raise NotFound(f"未找到该换班申请 (swap {swap_id} not found)", field="swap_id")
    by.check_unit(swap.unit_id, field="swap_id", reason=f"未找到该换班申请 (swap {swap_id} not found)")
    return swap


def _set(session: Session, swap: Swap, actor: str, action: str, **values) -> Swap:
    return audit.change(session=session, row=swap, actor=actor, action=action, entity="swap",
                        unit_id=swap.unit_id, **values)


def confirm(*, session: Session, swap_id: uuid.UUID, now: datetime, by: Actor) -> Swap:
    """The counterpart agrees (only the counterpart)."""
    swap = _get(session, swap_id, by)
    actor = by.name
    if not by.is_person(swap.counterpart_id):
        raise Forbidden("只有换班对象本人可以确认换班 (only the counterpart can confirm a swap)",
                        field="swap_id").refusing(by.name)
    if swap.status is not SwapStatus.requested:
        raise Conflict(f"该换班申请当前状态为 {swap.status.value}，不在待确认中 (not waiting for confirmation)", field="status")
    return _set(session, swap, actor, "confirm", status=SwapStatus.confirmed, confirmed_at=now)


def decide(*, session: Session, swap_id: uuid.UUID, approve: bool, now: datetime, by: Actor, tz: str) -> Swap:
    """The approver (the office, or the unit's reporter) approves (the roster changes) or rejects a confirmed swap."""
    swap = _get(session, swap_id, by)
    if not by.acts_for_unit(swap.unit_id):
        raise Forbidden("只有值班室或本单位填报员可以审批换班 (only the duty office or the unit approves swaps)",
                        field="swap_id").refusing(by.name)
    actor = by.name
    if swap.status is not SwapStatus.confirmed:
        raise Conflict(f"该换班申请当前状态为 {swap.status.value}：须先由换班对象确认 (the counterpart must confirm first)", field="status")
    if not approve:
        return _set(session, swap, actor, "reject", status=SwapStatus.rejected, decided_at=now, decided_by=actor)
    return _apply(session, swap, now, by, tz)


def _apply(session: Session, swap: Swap, now: datetime, by: Actor, tz: str) -> Swap:
    note = f"换班 {swap.reason}".strip()
    reassign(session=session, slot_id=swap.slot_id, person_id=swap.counterpart_id, by=by, tz=tz, reason=note,
             code="swap")
    if swap.counterpart_slot_id is not None:
        reassign(session=session, slot_id=swap.counterpart_slot_id, person_id=swap.requester_id, by=by, tz=tz,
                 reason=note, code="swap")
    return _set(session, swap, by.name, "approve", status=SwapStatus.approved, decided_at=now, decided_by=by.name)


def cancel(*, session: Session, swap_id: uuid.UUID, by: Actor) -> Swap:
    swap = _get(session, swap_id, by)
    actor = by.name
    if not by.acts_for_unit(swap.unit_id) and not by.is_person(swap.requester_id):
        raise Forbidden("只有换班申请人可以撤销 (only the requester can cancel a swap)",
                        field="swap_id").refusing(by.name)
    if swap.status not in (SwapStatus.requested, SwapStatus.confirmed):
        raise Conflict(f"该换班申请当前状态为 {swap.status.value}，不能再操作 (swap is {swap.status.value})", field="status")
    return _set(session, swap, actor, "cancel", status=SwapStatus.cancelled)


def list_swaps(*, session: Session, by: Actor, limit: int = 200) -> list[Swap]:
    """Swaps `by` may see (a unit reporter: their unit's), newest first."""
    q = select(Swap)
    if by.scope is not None:
        q = q.where(Swap.unit_id == by.scope)
    return list(session.exec(q.order_by(Swap.requested_at.desc()).limit(limit)))


WEEKDAY_ZH = "一二三四五六日"


def offerable_slots(*, session: Session, first: date, by: Actor, days: int = 62, limit: int = 300) -> list[dict]:
    """Upcoming slots `by` may offer in a swap (the office and a unit's reporter: their units'; anyone else: their
    own), labelled by date, weekday, post and holder (for a select); the parts too (post_label, shift, holder) for a page
    in another language."""
    unit_id = by.scope
    person_id = None if by.office or by.role is Role.unit_reporter else (by.person_id or uuid.UUID(int=0))
    q = (select(RosterSlot, Person).join(Person, Person.id == RosterSlot.person_id)
         .where(RosterSlot.day >= first, RosterSlot.day <= first + timedelta(days=days)))
    if person_id is not None:
        q = q.where(RosterSlot.person_id == person_id)
    if unit_id is not None:
        q = q.where(RosterSlot.unit_id == unit_id)
    rows = session.exec(q.order_by(RosterSlot.day, RosterSlot.idx, RosterSlot.post).limit(limit)).all()
    units = {s.unit_id for s, _ in rows}
    labels = {(p.unit_id, p.name): p.label or p.name
              for p in session.exec(select(DutyPost).where(DutyPost.unit_id.in_(units)))} if units else {}
    return [{"id": s.id, "day": s.day, "post": s.post, "person_id": s.person_id, "unit_id": s.unit_id,
             "post_label": labels.get((s.unit_id, s.post), s.post), "shift": s.idx + 1, "holder": p.name,
             "label": f"{s.day.isoformat()} 星期{WEEKDAY_ZH[s.day.weekday()]} "
                      f"{labels.get((s.unit_id, s.post), s.post)}{f' 第{s.idx + 1}班' if s.idx else ''} {p.name}"}
            for s, p in rows]
