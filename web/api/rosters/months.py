"""Rosters: posts, pools, policy, generate, publish, month view, slot changes, gaps, on duty now."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from models.rosters.roster import UnitRosterPolicy
from models.types import INPUT
from services.rosters import gaps, publish
from services.rosters import policy as pol
from services.rosters.generate import generate_month, parse_month
from services.rosters.views import month_view, on_duty
from services.rosters.calendar import calendar_warning, missing_festivals
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(prefix="/rosters", tags=["rosters"])
read = require("rosters:read")
write = require("rosters:write")


class OnDutyUnit(BaseModel):
    """Who is on duty now in one unit."""

    unit_id: str
    unit: str = Field(description="the unit's name")
    code: str
    phone: str = Field(description="the unit's duty phone")
    leader: str = Field(description="the duty leader's name(s), 、-separated")
    officers: str = Field(description="the duty officers' names, 、-separated")
    others: dict[str, str] = Field(description="other posts: post -> names")
    people: list[dict[str, str]] | None = Field(None, description="one unit asked for: post, person_id, name, mobile")
    until: str | None = Field(None, description="one unit asked for: when the running slot ends (ISO)")


class PostOut(BaseModel):
    name: str
    label: str
    count: int
    holiday_count: int | None = None
    flood_count: int | None = None
    pool: list[str] = Field(default_factory=list, description="the pool's person ids in rotation order")


class PostSet(BaseModel):
    name: str
    label: str
    count: int


class PoolOut(BaseModel):
    post: str
    people: list[str]


class MonthState(BaseModel):
    month: str
    status: str = Field(description="draft | published")
    version: int


class Generated(MonthState):
    slots: int
    gaps: int
    calendar_missing: list[int] = Field(description="years the holiday calendar does not cover")
    missing_festivals: dict[str, list[str]] = Field(default_factory=dict,
                                                    description="year -> the festivals its calendar lacks")
    warnings: list[str] = Field(default_factory=list, description="what the office should fix, in zh-CN")


class SlotCell(BaseModel):
    slot_id: int
    person_id: str
    name: str
    mobile: str
    why: str = Field(description="why this person holds the slot")


class MonthDay(BaseModel):
    day: str
    day_class: str
    posts: dict[str, list[SlotCell]] = Field(description="post -> who holds it")


class MonthGap(BaseModel):
    id: str
    day: str
    post: str
    reason: str
    text: str


class CalendarChange(BaseModel):
    day: date
    was: str = Field(description="workday | weekend | holiday, as planned")
    now: str = Field(description="workday | weekend | holiday, as the calendar has it now")


class MonthView(BaseModel):
    """A unit-month: status, per-day rows with explanations, fairness counts per person, gaps."""

    unit: dict[str, str] = Field(description="id, name, code, duty_phone")
    month: str
    status: str = Field(description="none | draft | published")
    version: int
    posts: list[dict[str, str]] = Field(description="name, label")
    days: list[MonthDay]
    fairness: list[dict[str, str | int]] = Field(description="per person: person_id, name, counts per day class, total")
    classes: list[str]
    notes: dict[date, str] = Field(description="day -> the note of that day")
    gaps: list[MonthGap]
    holiday_short: list[dict] = Field(default_factory=list, description="holidays below the holiday head-count: day, "
                                      "post, label, have, need, festival, text (zh-CN)")
    calendar_changed: list[CalendarChange] = Field(
        default_factory=list, description="days whose kind the holiday calendar changed after the month was planned "
        "(the days' `day_class` is the calendar's now; fairness counts keep the planned class)")


class Substitute(BaseModel):
    person_id: str
    name: str
    eligible: bool
    code: str
    count: int
    text: str


class PostIn(BaseModel):
    model_config = INPUT

    label: str = Field("", max_length=40)
    count: int = Field(1, ge=0, le=20)
    holiday_count: int | None = Field(None, ge=0, le=20)
    flood_count: int | None = Field(None, ge=0, le=20)


class PoolIn(BaseModel):
    model_config = INPUT

    people: list[uuid.UUID]


class GenerateIn(BaseModel):
    model_config = INPUT

    force: bool = False


class ReassignIn(BaseModel):
    model_config = INPUT

    person_id: uuid.UUID
    reason: str = Field("", max_length=200)


@router.get("/on-duty", response_model=list[OnDutyUnit])
def on_duty_list(request: Request, c: Caller = Depends(read), session: Session = Depends(get_session)):
    """Who is on duty now, per unit (one query across all units)."""
    return on_duty(session=session, now=now_utc(request), by=c.by, tz=request.app.state.settings.timezone)


@router.get("/{unit_id}/posts", response_model=list[PostOut])
def list_posts(unit_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return pol.posts_view(session=session, unit_id=unit_id, by=c.by)


@router.put("/{unit_id}/posts/{post}", response_model=PostSet)
def put_post(unit_id: uuid.UUID, post: str, data: PostIn, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    row = pol.set_post(session=session, unit_id=unit_id, name=post, by=c.by, **data.model_dump())
    session.commit()
    return {"name": row.name, "label": row.label, "count": row.count}


@router.put("/{unit_id}/posts/{post}/pool", response_model=PoolOut)
def put_pool(unit_id: uuid.UUID, post: str, data: PoolIn, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    people = pol.set_pool(session=session, unit_id=unit_id, post=post, people=data.people, by=c.by)
    session.commit()
    return {"post": post, "people": [str(p) for p in people]}


@router.get("/{unit_id}/policy", response_model=UnitRosterPolicy)
def get_policy(unit_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return pol.policy_row(session=session, unit_id=unit_id, by=c.by)


@router.patch("/{unit_id}/policy", response_model=UnitRosterPolicy)
def patch_policy(unit_id: uuid.UUID, data: dict, c: Caller = Depends(write), session: Session = Depends(get_session)):
    row = pol.set_policy(session=session, unit_id=unit_id, changes=data, by=c.by)
    session.commit()
    return row


@router.post("/{unit_id}/{month}/generate", response_model=Generated)
def generate(unit_id: uuid.UUID, month: str, request: Request, data: GenerateIn | None = None,
             c: Caller = Depends(write), session: Session = Depends(get_session)):
    """Generate (or with force, regenerate a published month as a new version)."""
    pol.get_unit(session, unit_id)
    row = generate_month(session=session, unit_id=unit_id, month=month, by=c.by, force=bool(data and data.force),
                         tz=request.app.state.settings.timezone)
    session.commit()
    lacking = missing_festivals(session=session, months=[month])
    short = month_view(session=session, unit_id=unit_id, month=month, tz=request.app.state.settings.timezone,
                       by=c.by)["holiday_short"]
    return {"month": row.month, "status": row.status.value, "version": row.version, "slots": row.slots,
            "gaps": row.gaps, "calendar_missing": sorted(lacking),
            "missing_festivals": {str(y): names for y, names in lacking.items()},
            "warnings": [calendar_warning(y, names) for y, names in lacking.items()] + [s["text"] for s in short]}


@router.post("/{unit_id}/{month}/publish", response_model=MonthState)
def do_publish(unit_id: uuid.UUID, month: str, request: Request, c: Caller = Depends(write),
               session: Session = Depends(get_session)):
    parse_month(month)
    row = publish.publish(session=session, unit_id=unit_id, month=month, now=now_utc(request), by=c.by)
    session.commit()
    return {"month": row.month, "status": row.status.value, "version": row.version}


@router.get("/{unit_id}/{month}", response_model=MonthView)
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


class FillIn(BaseModel):
    model_config = INPUT

    person_id: uuid.UUID


@router.post("/gaps/{gap_id}/fill", response_model=SlotOut)
def fill_gap(request: Request, gap_id: uuid.UUID, data: FillIn, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    """Put a substitute on the slot of a holder who is unavailable (one of /substitutes, or anyone in the pool)."""
    row = publish.fill_gap(session=session, gap_id=gap_id, person_id=data.person_id, by=c.by,
                           tz=request.app.state.settings.timezone)
    session.commit()
    return {"slot_id": row.id, "person_id": str(row.person_id), "day": row.day.isoformat(), "post": row.post}


@router.get("/gaps/{gap_id}/substitutes", response_model=list[Substitute])
def substitutes(request: Request, gap_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    """Ranked substitutes for a gap, eligible first, each with its reason."""
    return gaps.substitutes(session=session, gap_id=gap_id, tz=request.app.state.settings.timezone, by=c.by)
