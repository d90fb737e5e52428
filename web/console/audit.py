"""Console: the audit log and its chain verification (admins and auditors)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from models.audit import AuditEntry
from services import audit
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


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
