"""Units and people: list, read, create, edit, deactivate."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from sqlmodel import Field, Session, SQLModel

from models.directory import (
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)
from models.types import INPUT
from services.directory import duty_codes, org
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["directory"])
read = require("directory:read")
write = require("directory:write")


@router.get("/units", response_model=list[UnitPublic])
def list_units(include_inactive: bool = False, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return org.units_for(session=session, by=c.by, include_inactive=include_inactive)


@router.get("/units/{unit_id}", response_model=UnitPublic)
def get_unit(unit_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return org.unit_for(session=session, unit_id=unit_id, by=c.by)


@router.post("/units", response_model=UnitPublic, status_code=201)
def create_unit(data: UnitCreate, c: Caller = Depends(write), session: Session = Depends(get_session)):
    unit = org.create_unit(session=session, data=data, actor=c.actor)
    session.commit()
    return unit


@router.patch("/units/{unit_id}", response_model=UnitPublic)
def update_unit(unit_id: uuid.UUID, data: UnitUpdate, c: Caller = Depends(write),
                session: Session = Depends(get_session)):
    unit = org.update_unit(session=session, unit_id=unit_id, data=data, actor=c.actor)
    session.commit()
    return unit


@router.get("/people", response_model=list[PersonPublic])
def list_people(unit_id: uuid.UUID | None = None, include_inactive: bool = False, c: Caller = Depends(read),
                session: Session = Depends(get_session)):
    return org.people_for(session=session, by=c.by, unit_id=unit_id, include_inactive=include_inactive)


@router.get("/people/{person_id}", response_model=PersonPublic)
def get_person(person_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return org.person_for(session=session, person_id=person_id, by=c.by)


@router.post("/people", response_model=PersonPublic, status_code=201)
def create_person(data: PersonCreate, c: Caller = Depends(write), session: Session = Depends(get_session)):
    person = org.create_person(session=session, data=data, actor=c.actor)
    session.commit()
    return person


@router.patch("/people/{person_id}", response_model=PersonPublic)
def update_person(person_id: uuid.UUID, data: PersonUpdate, c: Caller = Depends(write),
                  session: Session = Depends(get_session)):
    person = org.update_person(session=session, person_id=person_id, data=data, actor=c.actor)
    session.commit()
    return person


class DutyCodeSet(SQLModel):
    """A personal duty code (值班识别码), keyed on the phone when an automated spot check asks for it."""

    model_config = INPUT

    code: str = Field(max_length=12, description="4 to 6 digits, unique within the person's unit; never shown back")


class DutyCodeState(SQLModel):
    set: bool = Field(description="whether the person has a duty code (已设置); the code itself is never shown")
    set_at: datetime | None = None


# Who may set a code (an admin, or the unit's reporter for their unit's people) is the service's decision.
codes = require("contacts:write")


@router.get("/people/{person_id}/duty-code", response_model=DutyCodeState)
def get_duty_code(person_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return duty_codes.state(org.person_for(session=session, person_id=person_id, by=c.by))


@router.put("/people/{person_id}/duty-code", response_model=DutyCodeState)
def set_duty_code(person_id: uuid.UUID, data: DutyCodeSet, request: Request, c: Caller = Depends(codes),
                  session: Session = Depends(get_session)):
    person = duty_codes.set_code(session=session, person_id=person_id, code=data.code, by=c.by,
                                 now=now_utc(request), settings=request.app.state.settings)
    session.commit()
    return duty_codes.state(person)


@router.delete("/people/{person_id}/duty-code", response_model=DutyCodeState)
def clear_duty_code(person_id: uuid.UUID, request: Request, c: Caller = Depends(codes),
                    session: Session = Depends(get_session)):
    person = duty_codes.clear_code(session=session, person_id=person_id, by=c.by, now=now_utc(request))
    session.commit()
    return duty_codes.state(person)
