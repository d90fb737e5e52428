"""Leave reports (/api/leaves) and swaps (/api/swaps)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlmodel import Session

from core.errors import Forbidden, Invalid, NotFound
from models.accounts import Role
from models.directory import Person
from models.rosters.duty import Swap, SwapCreate
from models.rosters.leave import LeaveCreate, LeaveReport
from services.rosters import absences, leaves, swaps
from web.api.rosters.months import own_unit
from web.deps import Caller, get_session, now_utc, require, unit_scope

router = APIRouter(tags=["leave and swaps"])
STAFF = (Role.admin, Role.duty_officer)


def _leave_out(row: LeaveReport) -> dict:
    return row.model_dump(mode="json")


def _may_act_for(session: Session, c: Caller, person_id: uuid.UUID) -> None:
    """Leaders file their own leave; unit reporters their unit's; the duty office anyone's."""
    if c.user.role in STAFF:
        return
    if c.user.role is Role.unit_reporter:
        person = session.get(Person, person_id)
        if person is not None and person.unit_id == c.user.unit_id:
            return
    if c.user.person_id == person_id:
        return
    raise Forbidden("you may file and change only your own leave", field="person_id")


@router.get("/leaves")
def list_leaves(person_id: uuid.UUID | None = None, c: Caller = Depends(require("leaves:read")),
                session: Session = Depends(get_session)):
    return [_leave_out(r) for r in leaves.list_leaves(session=session, unit_id=unit_scope(c), person_id=person_id)]


@router.post("/leaves", status_code=201)
def file_leave(data: LeaveCreate, request: Request, c: Caller = Depends(require("leaves:write")),
               session: Session = Depends(get_session)):
    """File a leave report; the answer lists rostered duties it now leaves uncovered."""
    _may_act_for(session, c, data.person_id)
    tz = request.app.state.settings.timezone
    row = leaves.file_leave(session=session, data=data, today=now_utc(request).astimezone(request.app.state.settings.tz).date(),
                            actor=c.actor, tz=tz)
    session.commit()
    from services.rosters.gaps import open_gaps

    uncovered = [{"day": g.day.isoformat(), "post": g.post, "text": g.text, "gap_id": str(g.id)}
                 for g in open_gaps(session, row.start_day, row.end_day, row.unit_id) if g.person_id == row.person_id]
    return {**_leave_out(row), "uncovered_duties": uncovered}


def _leave(session: Session, c: Caller, leave_id: uuid.UUID) -> LeaveReport:
    row = session.get(LeaveReport, leave_id)
    if row is None:
        raise NotFound(f"leave report {leave_id} not found", field="leave_id")
    own_unit(c, row.unit_id)
    return row


@router.post("/leaves/{leave_id}/approve")
def approve(leave_id: uuid.UUID, request: Request, c: Caller = Depends(require("leaves:approve")),
            session: Session = Depends(get_session)):
    _leave(session, c, leave_id)
    row = leaves.approve(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return _leave_out(row)


@router.post("/leaves/{leave_id}/return")
def mark_returned(leave_id: uuid.UUID, request: Request, c: Caller = Depends(require("leaves:write")),
                  session: Session = Depends(get_session)):
    """销假."""
    _may_act_for(session, c, _leave(session, c, leave_id).person_id)
    row = leaves.mark_returned(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return _leave_out(row)


@router.post("/leaves/{leave_id}/cancel")
def cancel_leave(request: Request, leave_id: uuid.UUID, c: Caller = Depends(require("leaves:write")),
                 session: Session = Depends(get_session)):
    _may_act_for(session, c, _leave(session, c, leave_id).person_id)
    row = leaves.cancel(session=session, leave_id=leave_id, actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return _leave_out(row)


@router.get("/leaves/acting")
def acting(person_id: uuid.UUID, request: Request, at: datetime = Query(..., description="aware ISO instant"),
           c: Caller = Depends(require("leaves:read")), session: Session = Depends(get_session)):
    """Who acts for a person at an instant (主持工作)."""
    if at.tzinfo is None:
        raise Invalid("at must carry a time zone", field="at")
    found = absences.acting_for(session=session, person_id=person_id, at=at, tz=request.app.state.settings.timezone)
    return {"person_id": found.person, "chain": list(found.chain), "cycle": found.cycle}


@router.get("/swaps")
def list_swaps(c: Caller = Depends(require("swaps:read")), session: Session = Depends(get_session)):
    return [s.model_dump(mode="json") for s in swaps.list_swaps(session=session, unit_id=unit_scope(c))]


class DecisionIn(BaseModel):
    approve: bool = True


@router.post("/swaps", status_code=201)
def request_swap(data: SwapCreate, request: Request, override: bool = False,
                 c: Caller = Depends(require("swaps:write")), session: Session = Depends(get_session)):
    """Offer your slot to a counterpart; the duty office may register an override (approved at once)."""
    from models.rosters.roster import RosterSlot

    slot = session.get(RosterSlot, data.slot_id)
    if slot is not None:
        own_unit(c, slot.unit_id)
    is_office = c.user.role in STAFF or c.user.role is Role.unit_reporter
    if override and c.user.role not in STAFF:
        raise Forbidden("only the duty office registers override swaps", field="override")
    requester = None if is_office else c.user.person_id
    if requester is None and not is_office:
        raise Forbidden("your account is not linked to a person", field="slot_id")
    row = swaps.request(session=session, data=data, now=now_utc(request), actor=c.actor, requester_id=requester,
                        override=override, settings=request.app.state.settings)
    session.commit()
    return row.model_dump(mode="json")


def _swap(session: Session, c: Caller, swap_id: uuid.UUID) -> Swap:
    row = session.get(Swap, swap_id)
    if row is None:
        raise NotFound(f"swap {swap_id} not found", field="swap_id")
    own_unit(c, row.unit_id)
    return row


@router.post("/swaps/{swap_id}/confirm")
def confirm(swap_id: uuid.UUID, request: Request, c: Caller = Depends(require("swaps:write")),
            session: Session = Depends(get_session)):
    _swap(session, c, swap_id)
    row = swaps.confirm(session=session, swap_id=swap_id, now=now_utc(request), actor=c.actor,
                        person_id=c.user.person_id)
    session.commit()
    return row.model_dump(mode="json")


@router.post("/swaps/{swap_id}/decide")
def decide(swap_id: uuid.UUID, data: DecisionIn, request: Request, c: Caller = Depends(require("swaps:approve")),
           session: Session = Depends(get_session)):
    _swap(session, c, swap_id)
    row = swaps.decide(session=session, swap_id=swap_id, approve=data.approve, now=now_utc(request), actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return row.model_dump(mode="json")


@router.post("/swaps/{swap_id}/cancel")
def cancel_swap(swap_id: uuid.UUID, c: Caller = Depends(require("swaps:write")), session: Session = Depends(get_session)):
    _swap(session, c, swap_id)
    person = None if c.user.role in STAFF else c.user.person_id
    row = swaps.cancel(session=session, swap_id=swap_id, actor=c.actor, person_id=person)
    session.commit()
    return row.model_dump(mode="json")
