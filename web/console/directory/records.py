"""Units and people pages, with create / edit / deactivate forms."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import ServiceError
from models.directory import (
    PersonCreate,
    PersonUpdate,
    UnitCreate,
    UnitType,
    UnitUpdate,
)
from services.directory import contacts, org
from web.console.forms import field_errors, from_form
from web.console.render import page, render
from web.deps import Caller, get_session

router = APIRouter()
CATEGORIES = ["natural_disaster", "accident", "public_health", "social_security", "public_opinion"]




def _clean(form) -> dict:
    data = {k: v for k, v in form.items() if k != "csrf_token"}
    for key in ("parent_id", "unit_id"):
        if data.get(key) == "":
            data[key] = None
    return data


@router.get("/units")
def units(request: Request, c: Caller = Depends(page("directory:read")), session: Session = Depends(get_session)):
    rows = org.units_for(session=session, by=c.by, include_inactive=True)
    names = {u.id: u.name for u in rows}
    return render(request, "units.html", c, units=rows, names=names)


@router.get("/units/new")
@router.get("/units/{unit_id}/edit")
def unit_form(request: Request, unit_id: uuid.UUID | None = None, c: Caller = Depends(page("directory:write")),
              session: Session = Depends(get_session)):
    unit = org.get_unit(session=session, unit_id=unit_id) if unit_id else None
    return render(request, "unit_form.html", c, unit=unit, values=unit.model_dump() if unit else {},
                  parents=org.list_units(session=session), types=list(UnitType), errors={})


@router.post("/units/new")
@router.post("/units/{unit_id}/edit")
async def unit_save(request: Request, unit_id: uuid.UUID | None = None,
                    c: Caller = Depends(page("directory:write")), session: Session = Depends(get_session)):
    data = _clean(await request.form())
    try:
        if unit_id is None:
            org.create_unit(session=session, data=from_form(UnitCreate, data), actor=c.actor)
        else:
            org.update_unit(session=session, unit_id=unit_id, data=from_form(UnitUpdate, data), actor=c.actor)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        unit = org.get_unit(session=session, unit_id=unit_id) if unit_id else None
        return render(request, "unit_form.html", c, status_code=422, unit=unit, values=data,
                      parents=org.list_units(session=session), types=list(UnitType), errors=field_errors(exc))
    return RedirectResponse("/units", status_code=303)


@router.post("/units/{unit_id}/deactivate")
def unit_deactivate(unit_id: uuid.UUID, c: Caller = Depends(page("directory:write")),
                    session: Session = Depends(get_session)):
    org.update_unit(session=session, unit_id=unit_id, data=UnitUpdate(active=False), actor=c.actor)
    session.commit()
    return RedirectResponse("/units", status_code=303)


@router.get("/people")
def people(request: Request, unit_id: uuid.UUID | None = None, c: Caller = Depends(page("directory:read")),
           session: Session = Depends(get_session)):
    unit_list = org.units_for(session=session, by=c.by, include_inactive=True)
    rows = org.people_for(session=session, by=c.by, unit_id=unit_id, include_inactive=True)
    return render(request, "people.html", c, people=rows, units=unit_list, names={u.id: u.name for u in unit_list},
                  unit_id=unit_id, manageable={p.id for p in rows if contacts.may_manage(c.by, p)})


@router.get("/people/new")
@router.get("/people/{person_id}/edit")
def person_form(request: Request, person_id: uuid.UUID | None = None,
                c: Caller = Depends(page("directory:write")), session: Session = Depends(get_session)):
    person = org.get_person(session=session, person_id=person_id) if person_id else None
    return render(request, "person_form.html", c, person=person, values=person.model_dump() if person else {},
                  units=org.list_units(session=session), categories=CATEGORIES, errors={})


@router.post("/people/new")
@router.post("/people/{person_id}/edit")
async def person_save(request: Request, person_id: uuid.UUID | None = None,
                      c: Caller = Depends(page("directory:write")), session: Session = Depends(get_session)):
    form = await request.form()
    data = _clean(form)
    data["domain_categories"] = form.getlist("domain_categories")
    for flag in ("is_leading_cadre", "is_unit_head"):
        data[flag] = flag in form
    try:
        if person_id is None:
            org.create_person(session=session, data=from_form(PersonCreate, data), actor=c.actor)
        else:
            org.update_person(session=session, person_id=person_id, data=from_form(PersonUpdate, data),
                              actor=c.actor)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        person = org.get_person(session=session, person_id=person_id) if person_id else None
        return render(request, "person_form.html", c, status_code=422, person=person, values=data,
                      units=org.list_units(session=session), categories=CATEGORIES, errors=field_errors(exc))
    return RedirectResponse("/people", status_code=303)


@router.post("/people/{person_id}/deactivate")
def person_deactivate(person_id: uuid.UUID, c: Caller = Depends(page("directory:write")),
                      session: Session = Depends(get_session)):
    org.update_person(session=session, person_id=person_id, data=PersonUpdate(active=False), actor=c.actor)
    session.commit()
    return RedirectResponse("/people", status_code=303)
