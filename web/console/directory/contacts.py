"""A person's contact methods and notification rules page (联系方式): add, send a code, enter it, delete, rules.

Plain forms (no JavaScript); bad input comes back on the page with the service's reason, while another unit's person
(404) or someone else's contacts (403) answer the refusal page (web/console/forms.py: raise_refusal). Who may see and
change whose is the service's decision (services/directory/contacts.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import Invalid, ServiceError
from models.directory import ContactMethodCreate, NotificationRuleCreate
from rules import directory as rules
from services.directory import contacts, duty_codes
from web.console.forms import back, invalid_text, raise_refusal
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()
read, write = page("contacts:read"), page("contacts:write")


def _url(person_id: uuid.UUID) -> str:
    return f"/people/{person_id}/contacts"


@router.get("/me/contacts")
def mine(request: Request, c: Caller = Depends(write)):
    if c.user.person_id is None:
        return render(request, "person_contacts.html", c, person=None, methods=[], rules=[], choices=[],
                      may_write=False, usable=False, error="", notice="")
    return RedirectResponse(_url(c.user.person_id), status_code=303)


@router.get("/people/{person_id}/contacts")
def contacts_page(person_id: uuid.UUID, request: Request, c: Caller = Depends(read),
                  session: Session = Depends(get_session)):
    person = contacts.person_for(session=session, person_id=person_id, by=c.by)
    methods = contacts.list_methods(session=session, person_id=person_id, by=c.by)
    found = contacts.list_rules(session=session, person_id=person_id, by=c.by)
    by_id = {m.id: m for m in methods}
    choices = [(f"{m.id}:{medium.value}", m, medium.value) for m in methods if m.verified
               for medium in rules.MEDIA[rules.ContactKind(m.kind)]]
    notice = request.query_params.get("notice", "")
    return render(request, "person_contacts.html", c, person=person, methods=methods, choices=choices,
                  rules=[(r, by_id.get(r.method_id)) for r in found], may_write=contacts.may_manage(c.by, person),
                  usable=any(r.usable for r in found), error=request.query_params.get("error", ""),
                  notice=notice if notice.startswith("ct.notice.") else "", tz=request.app.state.settings.tz,
                  duty_code=duty_codes.state(person), may_code=duty_codes.may_set(c.by, person))


def _do(person_id: uuid.UUID, session: Session, act, notice: str):
    """Run one change and come back to the page: with its notice, or the reason it was refused (nothing kept)."""
    try:
        act()
        session.commit()
    except ValidationError as exc:
        session.rollback()
        return back(_url(person_id), error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # another unit's person (404), someone else's contacts (403): the refusal page, audited
        return back(_url(person_id), error=exc.reason)
    return back(_url(person_id), notice=notice)


@router.post("/people/{person_id}/contacts/new")
async def add_method(person_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                     session: Session = Depends(get_session)):
    form = await request.form()
    return _do(person_id, session, lambda: contacts.add_method(
        session=session, person_id=person_id, by=c.by, now=now_utc(request),
        data=ContactMethodCreate(kind=form.get("kind", ""), value=form.get("value", ""),
                                 label=form.get("label", ""))), "ct.notice.added")


@router.post("/people/{person_id}/contacts/{method_id}/send-code")
def send_code(person_id: uuid.UUID, method_id: uuid.UUID, request: Request, c: Caller = Depends(write),
              session: Session = Depends(get_session)):
    return _do(person_id, session, lambda: contacts.send_code(
        session=session, person_id=person_id, method_id=method_id, by=c.by, now=now_utc(request),
        settings=request.app.state.settings), "ct.notice.sent")


@router.post("/people/{person_id}/contacts/{method_id}/verify")
async def verify(person_id: uuid.UUID, method_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                 session: Session = Depends(get_session)):
    form = await request.form()
    try:
        result = contacts.verify(session=session, person_id=person_id, method_id=method_id,
                                 code=str(form.get("code", ""))[:12], by=c.by, now=now_utc(request),
                                 settings=request.app.state.settings)
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # another unit's person (404), someone else's contacts (403): the refusal page, audited
        return back(_url(person_id), error=exc.reason)
    session.commit()  # a wrong code is an attempt, kept
    return back(_url(person_id), notice="ct.notice.verified") if result.ok else back(_url(person_id),
                                                                                    error=result.reason)


@router.post("/people/{person_id}/contacts/{method_id}/delete")
def delete_method(person_id: uuid.UUID, method_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                  session: Session = Depends(get_session)):
    return _do(person_id, session, lambda: contacts.delete_method(
        session=session, person_id=person_id, method_id=method_id, by=c.by, now=now_utc(request)), "ct.notice.deleted")


@router.post("/people/{person_id}/contacts/rules/new")
async def add_rule(person_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                   session: Session = Depends(get_session)):
    form = await request.form()
    method_id, _, medium = str(form.get("via", "")).partition(":")

    def act():
        try:
            mid = uuid.UUID(method_id)
        except ValueError:
            raise Invalid("请选择联系方式", field="method_id") from None
        delay = str(form.get("delay_minutes", "0")).strip() or "0"
        if not delay.isdigit() or int(delay) > rules.MAX_DELAY_MINUTES:
            raise Invalid(f"延迟须为0到{rules.MAX_DELAY_MINUTES}之间的整数分钟", field="delay_minutes")
        return contacts.add_rule(session=session, person_id=person_id, by=c.by, now=now_utc(request),
                                 data=NotificationRuleCreate(method_id=mid, medium=medium, delay_minutes=int(delay)))

    return _do(person_id, session, act, "ct.notice.rule_added")


@router.post("/people/{person_id}/contacts/rules/{rule_id}/delete")
def delete_rule(person_id: uuid.UUID, rule_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                session: Session = Depends(get_session)):
    return _do(person_id, session, lambda: contacts.delete_rule(
        session=session, person_id=person_id, rule_id=rule_id, by=c.by, now=now_utc(request)), "ct.notice.deleted")


@router.post("/people/{person_id}/duty-code")
async def set_duty_code(person_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                        session: Session = Depends(get_session)):
    form = await request.form()
    return _do(person_id, session, lambda: duty_codes.set_code(
        session=session, person_id=person_id, code=str(form.get("code", ""))[:12], by=c.by, now=now_utc(request),
        settings=request.app.state.settings), "ct.notice.duty_code_set")


@router.post("/people/{person_id}/duty-code/clear")
def clear_duty_code(person_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                    session: Session = Depends(get_session)):
    return _do(person_id, session, lambda: duty_codes.clear_code(
        session=session, person_id=person_id, by=c.by, now=now_utc(request)), "ct.notice.duty_code_cleared")
