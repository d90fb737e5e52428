"""Console: leave reports (请假报备), swaps (换班), handover (交接班) and duty log (值班日志)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import Forbidden, ServiceError
from models.accounts import Role
from models.rosters.duty import SwapCreate
from models.rosters.leave import LeaveCreate
from services.directory import org
from services.rosters import handovers, leaves, swaps
from web.console.render import page, render
from web.console.rosters.calendar import back, invalid_text, visible
from web.deps import Caller, get_session, now_utc, unit_scope

router = APIRouter()
OFFICE = (Role.admin, Role.duty_officer)


def _people(session: Session, c: Caller) -> dict:
    return {p.id: p for p in org.list_people(session=session, unit_id=unit_scope(c))}


def _form(form) -> dict:
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}


@router.get("/leaves")
def leave_list(request: Request, c: Caller = Depends(page("leaves:read")), session: Session = Depends(get_session)):
    people = _people(session, c)
    rows = leaves.list_leaves(session=session, unit_id=unit_scope(c))
    # Anyone rostered may be away; leading cadres (formal 请假报备) first. Others may file only their own.
    mine = c.user.role in OFFICE or c.user.role is Role.unit_reporter
    filers = sorted((p for p in people.values() if p.active and (mine or p.id == c.user.person_id)),
                    key=lambda p: (not p.is_leading_cadre, str(p.unit_id), p.name))
    return render(request, "leaves.html", c, rows=rows, people=people, filers=filers,
                  error=request.query_params.get("error", ""))


@router.post("/leaves")
async def leave_file(request: Request, c: Caller = Depends(page("leaves:write")), session: Session = Depends(get_session)):
    data = _form(await request.form())
    data["abroad"] = data.get("abroad") == "on"
    try:
        leave = LeaveCreate.model_validate(data)
        if c.user.role not in OFFICE and c.user.person_id != leave.person_id and c.user.role is not Role.unit_reporter:
            raise Forbidden("you may file only your own leave", field="person_id")
        if c.user.role is Role.unit_reporter:
            visible(c, org.get_person(session=session, person_id=leave.person_id).unit_id)
        today = now_utc(request).astimezone(request.app.state.settings.tz).date()
        leaves.file_leave(session=session, data=leave, today=today, actor=c.actor)
        session.commit()
    except ValidationError as exc:
        return back("/leaves", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        return back("/leaves", error=f"{exc.field}: {exc.reason}")
    return back("/leaves")


@router.post("/leaves/{leave_id}/{action}")
def leave_action(request: Request, leave_id: uuid.UUID, action: str, c: Caller = Depends(page("leaves:write")),
                 session: Session = Depends(get_session)):
    try:
        if action == "approve" and c.user.role in OFFICE:
            leaves.approve(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor)
        elif action == "return":
            leaves.mark_returned(session=session, leave_id=leave_id, now=now_utc(request), actor=c.actor)
        elif action == "cancel":
            leaves.cancel(session=session, leave_id=leave_id, actor=c.actor,
                          person_id=None if c.user.role in OFFICE else c.user.person_id)
        else:
            raise Forbidden(f"{action} is not allowed here", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return back("/leaves", error=exc.reason)
    return back("/leaves")


@router.get("/swaps")
def swap_list(request: Request, c: Caller = Depends(page("swaps:read")), session: Session = Depends(get_session)):
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    office = c.user.role in OFFICE or c.user.role is Role.unit_reporter
    mine = swaps.offerable_slots(session=session, first=today, unit_id=unit_scope(c),
                                 person_id=None if office else c.user.person_id)
    return render(request, "swaps.html", c, rows=swaps.list_swaps(session=session, unit_id=unit_scope(c)),
                  people=_people(session, c), slots=mine, error=request.query_params.get("error", ""))


@router.post("/swaps")
async def swap_request(request: Request, c: Caller = Depends(page("swaps:write")), session: Session = Depends(get_session)):
    try:
        data = SwapCreate.model_validate(_form(await request.form()))
        office = c.user.role in OFFICE or c.user.role is Role.unit_reporter
        swaps.request(session=session, data=data, now=now_utc(request), actor=c.actor,
                      requester_id=None if office else c.user.person_id)
        session.commit()
    except ValidationError as exc:
        return back("/swaps", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        return back("/swaps", error=f"{exc.field}: {exc.reason}")
    return back("/swaps")


@router.post("/swaps/{swap_id}/{action}")
def swap_action(request: Request, swap_id: uuid.UUID, action: str, c: Caller = Depends(page("swaps:write")),
                session: Session = Depends(get_session)):
    from web.access import allowed

    try:
        if action == "confirm":
            swaps.confirm(session=session, swap_id=swap_id, now=now_utc(request), actor=c.actor, person_id=c.user.person_id)
        elif action in ("approve", "reject") and allowed(c.user.role, "swaps:approve"):
            swaps.decide(session=session, swap_id=swap_id, approve=action == "approve", now=now_utc(request), actor=c.actor)
        elif action == "cancel":
            swaps.cancel(session=session, swap_id=swap_id, actor=c.actor,
                         person_id=None if c.user.role in OFFICE else c.user.person_id)
        else:
            raise Forbidden(f"{action} is not allowed here", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return back("/swaps", error=exc.reason)
    return back("/swaps")


@router.get("/handovers")
def handover_page(request: Request, unit_id: uuid.UUID | None = None, c: Caller = Depends(page("rosters:read")),
                  session: Session = Depends(get_session)):
    units = org.list_units(session=session, only=unit_scope(c))
    unit_id = unit_id or (units[0].id if units else None)
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    rows, log = [], []
    if unit_id is not None:
        visible(c, unit_id)
        rows = handovers.list_handovers(session=session, unit_id=unit_id)
        log = handovers.log_entries(session=session, unit_id=unit_id, first=today - timedelta(days=7), last=today)
    return render(request, "handovers.html", c, units=units, unit_id=unit_id, rows=rows, log=log, today=today,
                  people=_people(session, c), error=request.query_params.get("error", ""))


@router.post("/handovers/{unit_id}/{action}")
async def handover_action(request: Request, unit_id: uuid.UUID, action: str,
                          c: Caller = Depends(page("handovers:write")), session: Session = Depends(get_session)):
    form = await request.form()
    url = f"/handovers?unit_id={unit_id}"
    try:
        visible(c, unit_id)
        if action == "open":
            handovers.open_handover(session=session, unit_id=unit_id, day=date.fromisoformat(str(form["day"])),
                                    notes=str(form.get("notes", "")), items=str(form.get("items", "")).splitlines(),
                                    actor=c.actor)
        elif action == "sign":
            done = [int(x) for x in form.getlist("done")]
            handovers.sign(session=session, handover_id=uuid.UUID(str(form["handover_id"])), now=now_utc(request),
                           actor=c.actor, person_id=c.user.person_id, done=done, override=c.user.role in OFFICE)
        elif action == "log":
            today = now_utc(request).astimezone(request.app.state.settings.tz).date()
            handovers.log(session=session, unit_id=unit_id, day=today, at=now_utc(request), kind=str(form.get("kind")),
                          content=str(form.get("content", "")), actor=c.actor)
        session.commit()
    except (ServiceError, KeyError, ValueError) as exc:
        session.rollback()
        return back(url, error=getattr(exc, "reason", str(exc)))
    return back(url)
