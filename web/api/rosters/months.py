"""Rosters: posts, pools, policy, generate, publish, month view, slot changes, gaps, on duty now."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from services.rosters import gaps, publish
from services.rosters import policy as pol
from services.rosters.generate import generate_month, parse_month
from services.rosters.views import month_view, on_duty
from services.rosters.calendar import uncovered_years
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(prefix="/rosters", tags=["rosters"])
read = require("rosters:read")
write = require("rosters:write")


class PostIn(BaseModel):
    label: str = Field("", max_length=40)
    count: int = Field(1, ge=0, le=20)
    holiday_count: int | None = Field(None, ge=0, le=20)
    flood_count: int | None = Field(None, ge=0, le=20)


class PoolIn(BaseModel):
    people: list[uuid.UUID]


class GenerateIn(BaseModel):
    force: bool = False


class ReassignIn(BaseModel):
    person_id: uuid.UUID
    reason: str = Field("", max_length=200)


@router.get("/on-duty")
def on_duty_list(request: Request, c: Caller = Depends(read), session: Session = Depends(get_session)):
    """Who is on duty now, per unit (one query across all units)."""
    return on_duty(session=session, now=now_utc(request), by=c.by)


@router.get("/{unit_id}/posts")
def list_posts(unit_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return pol.posts_view(session=session, unit_id=unit_id, by=c.by)


@router.put("/{unit_id}/posts/{post}")
def put_post(unit_id: uuid.UUID, post: str, data: PostIn, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    row = pol.set_post(session=session, unit_id=unit_id, name=post, by=c.by, **data.model_dump())
    session.commit()
    return {"name": row.name, "label": row.label, "count": row.count}


@router.put("/{unit_id}/posts/{post}/pool")
def put_pool(unit_id: uuid.UUID, post: str, data: PoolIn, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    people = pol.set_pool(session=session, unit_id=unit_id, post=post, people=data.people, by=c.by)
    session.commit()
    return {"post": post, "people": [str(p) for p in people]}


@router.get("/{unit_id}/policy")
def get_policy(unit_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return pol.policy_row(session=session, unit_id=unit_id, by=c.by).model_dump(mode="json")


@router.patch("/{unit_id}/policy")
def patch_policy(unit_id: uuid.UUID, data: dict, c: Caller = Depends(write), session: Session = Depends(get_session)):
    row = pol.set_policy(session=session, unit_id=unit_id, changes=data, by=c.by)
    session.commit()
    return row.model_dump(mode="json")


@router.post("/{unit_id}/{month}/generate")
def generate(unit_id: uuid.UUID, month: str, request: Request, data: GenerateIn | None = None,
             c: Caller = Depends(write), session: Session = Depends(get_session)):
    """Generate (or with force, regenerate a published month as a new version)."""
    pol.get_unit(session, unit_id)
    row = generate_month(session=session, unit_id=unit_id, month=month, by=c.by, force=bool(data and data.force),
                         tz=request.app.state.settings.timezone)
    session.commit()
    return {"month": row.month, "status": row.status.value, "version": row.version, "slots": row.slots,
            "gaps": row.gaps, "calendar_missing": uncovered_years(session=session, months=[month])}


@router.post("/{unit_id}/{month}/publish")
def do_publish(unit_id: uuid.UUID, month: str, request: Request, c: Caller = Depends(write),
               session: Session = Depends(get_session)):
    parse_month(month)
    row = publish.publish(session=session, unit_id=unit_id, month=month, now=now_utc(request), by=c.by)
    session.commit()
    return {"month": row.month, "status": row.status.value, "version": row.version}


@router.get("/{unit_id}/{month}")
def get_month(request: Request, unit_id: uuid.UUID, month: str, c: Caller = Depends(read),
              session: Session = Depends(get_session)):
    """The month: per day and post who is on duty and why; fairness counts per person."""
    view = month_view(session=session, unit_id=unit_id, month=month, tz=request.app.state.settings.timezone, by=c.by)
    view["days"] = [{"day": d.day.isoformat(), "day_class": d.day_class, "posts": d.posts} for d in view["days"]]
    first, last = parse_month(month)
    view["gaps"] = [{"id": str(g.id), "day": g.day.isoformat(), "post": g.post, "reason": g.reason, "text": g.text}
                    for g in gaps.gaps_for(session=session, first=first, last=last, by=c.by, unit_id=unit_id)]
    return view


class SlotOut(BaseModel):
    slot_id: int
    person_id: uuid.UUID
    day: date
    post: str


@router.patch("/slots/{slot_id}", response_model=SlotOut)
def reassign(request: Request, slot_id: Annotated[int, Path(ge=1, le=2**63 - 1)], data: ReassignIn,
             c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    """Put someone else on a slot (audited; bumps the version of a published month)."""
    row = publish.reassign(session=session, slot_id=slot_id, person_id=data.person_id, by=c.by,
                           reason=data.reason, tz=request.app.state.settings.timezone)
    session.commit()
    return {"slot_id": row.id, "person_id": str(row.person_id), "day": row.day.isoformat(), "post": row.post}


@router.get("/gaps/{gap_id}/substitutes")
def substitutes(request: Request, gap_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    """Ranked substitutes for a gap, eligible first, each with its reason."""
    return gaps.substitutes(session=session, gap_id=gap_id, tz=request.app.state.settings.timezone, by=c.by)
