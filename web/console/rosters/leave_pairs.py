"""Console: leave pairs (不得同时外出), kept by the duty office; leave filing checks them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import Invalid, ServiceError
from services.directory import org
from services.rosters import leave_pairs
from web.console.forms import back, raise_refusal
from web.console.directory import people_picker
from web.console.render import field_reason, page, render
from web.deps import Caller, get_session

router = APIRouter()


@router.get("/leave-pairs")
def pair_list(request: Request, c: Caller = Depends(page("leaves:read")), session: Session = Depends(get_session)):
    rows = leave_pairs.list_pairs(session=session, by=c.by)
    people = [p for p in org.people_for(session=session, by=c.by) if p.active]
    people.sort(key=lambda p: (not p.is_leading_cadre, p.name))
    return render(request, "leave_pairs.html", c, rows=rows, people=people,
                  person_groups=people_picker.groups(session, people), error=request.query_params.get("error", ""))


def _uuid(value, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Invalid("请选择人员 (choose a person)", field=field) from exc


@router.post("/leave-pairs")
async def pair_add(request: Request, c: Caller = Depends(page("leave_pairs:write")),
                   session: Session = Depends(get_session)):
    form = await request.form()
    try:
        leave_pairs.add_pair(session=session, person_a=_uuid(form.get("person_a"), "person_a"),
                             person_b=_uuid(form.get("person_b"), "person_b"), by=c.by)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)
        return back("/leave-pairs", error=field_reason(exc, request, c))
    return back("/leave-pairs")


@router.post("/leave-pairs/{pair_id}/delete")
def pair_remove(request: Request, pair_id: uuid.UUID, c: Caller = Depends(page("leave_pairs:write")),
                session: Session = Depends(get_session)):
    try:
        leave_pairs.remove_pair(session=session, pair_id=pair_id, by=c.by)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)
        return back("/leave-pairs", error=field_reason(exc, request, c))
    return back("/leave-pairs")
