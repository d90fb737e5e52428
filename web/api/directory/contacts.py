"""A person's contact methods (with code verification) and notification rules; who may is decided in the service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from core.errors import Invalid
from models.directory import (
    ContactCodeIn,
    ContactMethodCreate,
    ContactMethodPublic,
    NotificationRuleCreate,
    NotificationRulePublic,
)
from services.directory import contacts
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["directory"])
read = require("contacts:read")
write = require("contacts:write")
BASE = "/people/{person_id}"


@router.get(f"{BASE}/contact-methods", response_model=list[ContactMethodPublic])
def list_methods(person_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return contacts.list_methods(session=session, person_id=person_id, by=c.by)


@router.post(f"{BASE}/contact-methods", response_model=ContactMethodPublic, status_code=201)
def add_method(person_id: uuid.UUID, data: ContactMethodCreate, request: Request, c: Caller = Depends(write),
               session: Session = Depends(get_session)):
    m = contacts.add_method(session=session, person_id=person_id, data=data, by=c.by, now=now_utc(request))
    session.commit()
    return contacts.public(session, m)


@router.delete(f"{BASE}/contact-methods/{{method_id}}", status_code=204)
def delete_method(person_id: uuid.UUID, method_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                  session: Session = Depends(get_session)):
    contacts.delete_method(session=session, person_id=person_id, method_id=method_id, by=c.by, now=now_utc(request))
    session.commit()
    return Response(status_code=204)


@router.post(f"{BASE}/contact-methods/{{method_id}}/send-code", response_model=ContactMethodPublic,
             status_code=202)
def send_code(person_id: uuid.UUID, method_id: uuid.UUID, request: Request, c: Caller = Depends(write),
              session: Session = Depends(get_session)):
    """Send a new 6-digit code to the method (through the outbox); valid 10 minutes, 5 tries."""
    m = contacts.send_code(session=session, person_id=person_id, method_id=method_id, by=c.by, now=now_utc(request),
                           settings=request.app.state.settings)
    session.commit()
    return contacts.public(session, m)


@router.post(f"{BASE}/contact-methods/{{method_id}}/verify", response_model=ContactMethodPublic)
def verify(person_id: uuid.UUID, method_id: uuid.UUID, data: ContactCodeIn, request: Request,
           c: Caller = Depends(write), session: Session = Depends(get_session)):
    """Enter the code; a wrong one counts as an attempt (kept) and answers 422 with field `code`."""
    result = contacts.verify(session=session, person_id=person_id, method_id=method_id, code=data.code, by=c.by,
                             now=now_utc(request), settings=request.app.state.settings)
    session.commit()  # the attempt is counted even when the code is refused
    if not result.ok:
        raise Invalid(result.reason, field="code")
    return contacts.public(session, result.method)


@router.get(f"{BASE}/notification-rules", response_model=list[NotificationRulePublic])
def list_rules(person_id: uuid.UUID, c: Caller = Depends(read), session: Session = Depends(get_session)):
    return contacts.list_rules(session=session, person_id=person_id, by=c.by)


@router.post(f"{BASE}/notification-rules", response_model=NotificationRulePublic, status_code=201)
def add_rule(person_id: uuid.UUID, data: NotificationRuleCreate, request: Request, c: Caller = Depends(write),
             session: Session = Depends(get_session)):
    rule = contacts.add_rule(session=session, person_id=person_id, data=data, by=c.by, now=now_utc(request))
    session.commit()
    return rule


@router.delete(f"{BASE}/notification-rules/{{rule_id}}", status_code=204)
def delete_rule(person_id: uuid.UUID, rule_id: uuid.UUID, request: Request, c: Caller = Depends(write),
                session: Session = Depends(get_session)):
    contacts.delete_rule(session=session, person_id=person_id, rule_id=rule_id, by=c.by, now=now_utc(request))
    session.commit()
    return Response(status_code=204)
