"""Accounts and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, select

from core.errors import ServiceError
from models.accounts import Role, User, UserCreate
from models.audit import AuditEntry
from services import accounts, audit
from services.directory import org
from web.console.directory.pages import _errors
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


def _accounts_page(request, c, session, status_code=200, errors=None, values=None):
    users = list(session.exec(select(User).order_by(User.username)))
    return render(request, "accounts.html", c, status_code=status_code, users=users, roles=list(Role),
                  units=org.list_units(session=session), errors=errors or {}, values=values or {})


@router.get("/accounts")
def account_list(request: Request, c: Caller = Depends(page("users:read")), session: Session = Depends(get_session)):
    return _accounts_page(request, c, session)


@router.post("/accounts")
async def account_create(request: Request, c: Caller = Depends(page("users:write")),
                         session: Session = Depends(get_session)):
    data = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    if not data.get("unit_id"):
        data["unit_id"] = None
    try:
        accounts.create_user(session=session, data=UserCreate.model_validate(data), actor=c.actor)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        data.pop("password", None)
        return _accounts_page(request, c, session, 422, _errors(exc), data)
    return RedirectResponse("/accounts", status_code=303)


@router.get("/audit")
def audit_log(request: Request, entity: str = "", c: Caller = Depends(page("audit:read")),
              session: Session = Depends(get_session)):
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    rows = list(session.exec(q.order_by(AuditEntry.seq.desc()).limit(200)))
    return render(request, "audit.html", c, entries=rows, last=audit.last_check(session=session), entity=entity)


@router.post("/audit/verify")
def audit_verify(request: Request, c: Caller = Depends(page("audit:read")), session: Session = Depends(get_session)):
    audit.check(session=session, by=c.actor, now=now_utc(request))
    session.commit()
    return RedirectResponse("/audit", status_code=303)
