"""Leave reports (/api/leaves) and swaps (/api/swaps)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, create_model
from sqlmodel import Session

from core.errors import Invalid
from models.rosters.duty import Swap, SwapCreate
from models.rosters.leave import LeaveCreate, LeaveReport
from models.types import INPUT, Moment
from services.rosters import leaves, swaps
from services.rosters.gaps import open_gaps
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["leave and swaps"])


class UncoveredDuty(BaseModel):
    day: str = Field(description="ISO date")
    post: str
    text: str
    gap_id: str


# A filed leave report (every field of LeaveReport) and the rostered duties it now leaves uncovered.
LeaveFiled = create_model("LeaveFiled", uncovered_duties=(list[UncoveredDuty], []),
                          **{name: (f.annotation, f) for name, f in LeaveReport.model_fields.items()})


class ActingOut(BaseModel):
    person_id: str = Field(description="who acts (主持工作) at that instant")
    chain: list[str] = Field(description="the people followed, the asked one first")
    cycle: bool = Field(description="everyone on the chain is away; person_id is the last one reached")


def _leave_out(row: LeaveReport) -> dict:
    return row.model_dump(mode="json")


@router.get("/leaves", response_model=list[LeaveReport])
def list_leaves(person_id: uuid.UUID | None = None, unit_id: uuid.UUID | None = None,
                c: Caller = Depends(require("leaves:read")), session: Session = Depends(get_session)):
    return leaves.list_leaves(session=session, by=c.by, person_id=person_id, unit_id=unit_id)


@router.post("/leaves", status_code=201, response_model=LeaveFiled)
def file_leave(data: LeaveCreate, request: Request, c: Caller = Depends(require("leaves:write")),
               session: Session = Depends(get_session)):
    """File a leave report; the answer lists rostered duties it now leaves uncovered."""
    settings = request.app.state.settings
    row = leaves.file_leave(session=session, data=data, today=now_utc(request).astimezone(settings.tz).date(),
                            by=c.by, tz=settings.timezone)
    session.commit()
    uncovered = [{"day": g.day.isoformat(), "post": g.post, "text": g.text, "gap_id": str(g.id)}
                 for g in open_gaps(session, row.start_day, row.end_day, row.unit_id) if g.person_id == row.person_id]
    return {**_leave_out(row), "uncovered_duties": uncovered}


@router.post("/leaves/{leave_id}/approve", response_model=LeaveReport)
def approve(leave_id: uuid.UUID, request: Request, c: Caller = Depends(require("leaves:approve")),
            session: Session = Depends(get_session)):
    row = leaves.approve(session=session, leave_id=leave_id, now=now_utc(request), by=c.by,
                         tz=request.app.state.settings.timezone)
    session.commit()
    return row


@router.post("/leaves/{leave_id}/review", response_model=LeaveReport)
def review(leave_id: uuid.UUID, request: Request, c: Caller = Depends(require("leaves:approve")),
           session: Session = Depends(get_session)):
    """The duty office has reviewed an urgent (急事) report: 待审核 no longer shows."""
    row = leaves.review(session=session, leave_id=leave_id, now=now_utc(request), by=c.by,
                        tz=request.app.state.settings.timezone)
    session.commit()
    return row


@router.post("/leaves/{leave_id}/return", response_model=LeaveReport)
def mark_returned(leave_id: uuid.UUID, request: Request, c: Caller = Depends(require("leaves:write")),
                  session: Session = Depends(get_session)):
    """销假."""
    row = leaves.mark_returned(session=session, leave_id=leave_id, now=now_utc(request), by=c.by,
                               tz=request.app.state.settings.timezone)
    session.commit()
    return row


@router.post("/leaves/{leave_id}/cancel", response_model=LeaveReport)
def cancel_leave(request: Request, leave_id: uuid.UUID, c: Caller = Depends(require("leaves:write")),
                 session: Session = Depends(get_session)):
    row = leaves.cancel(session=session, leave_id=leave_id, by=c.by, tz=request.app.state.settings.timezone)
    session.commit()
    return row


@router.get("/leaves/acting", response_model=ActingOut)
def acting(person_id: uuid.UUID, request: Request, at: Annotated[Moment, Query(description="aware ISO instant")],
           c: Caller = Depends(require("leaves:read")), session: Session = Depends(get_session)):
    """Who acts for a person at an instant (主持工作)."""
    if at.tzinfo is None:
        raise Invalid("时间须带时区（如 +08:00） (at must carry a time zone)", field="at")
    found = leaves.who_acts(session=session, person_id=person_id, at=at, tz=request.app.state.settings.timezone,
                            by=c.by)
    return {"person_id": found.person, "chain": list(found.chain), "cycle": found.cycle}


@router.get("/swaps", response_model=list[Swap])
def list_swaps(c: Caller = Depends(require("swaps:read")), session: Session = Depends(get_session)):
    return swaps.list_swaps(session=session, by=c.by)


class DecisionIn(BaseModel):
    model_config = INPUT

    approve: bool = True


@router.post("/swaps", status_code=201, response_model=Swap)
def request_swap(data: SwapCreate, request: Request, override: bool = False,
                 c: Caller = Depends(require("swaps:write")), session: Session = Depends(get_session)):
    """Offer your slot to a counterpart; the duty office may register an override (approved at once)."""
    row = swaps.request(session=session, data=data, now=now_utc(request), by=c.by, override=override,
                        settings=request.app.state.settings)
    session.commit()
    return row


@router.post("/swaps/{swap_id}/confirm", response_model=Swap)
def confirm(swap_id: uuid.UUID, request: Request, c: Caller = Depends(require("swaps:write")),
            session: Session = Depends(get_session)):
    row = swaps.confirm(session=session, swap_id=swap_id, now=now_utc(request), by=c.by)
    session.commit()
    return row


@router.post("/swaps/{swap_id}/decide", response_model=Swap)
def decide(swap_id: uuid.UUID, data: DecisionIn, request: Request, c: Caller = Depends(require("swaps:approve")),
           session: Session = Depends(get_session)):
    row = swaps.decide(session=session, swap_id=swap_id, approve=data.approve, now=now_utc(request), by=c.by,
                       tz=request.app.state.settings.timezone)
    session.commit()
    return row


@router.post("/swaps/{swap_id}/cancel", response_model=Swap)
def cancel_swap(swap_id: uuid.UUID, c: Caller = Depends(require("swaps:write")), session: Session = Depends(get_session)):
    row = swaps.cancel(session=session, swap_id=swap_id, by=c.by)
    session.commit()
    return row
