"""Console: the audit log and its chain verification (admins and auditors)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from models.audit import AuditEntry
from services.audit import checks
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/audit")
def audit_log(request: Request, entity: str = "", seq: int | None = Query(None, ge=1, le=2**62),
              c: Caller = Depends(page("audit:read")), session: Session = Depends(get_session)):
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if seq is not None:  # a problem's link: the entry and the ones just before it
        q = q.where(AuditEntry.seq <= seq + 5)
    rows = list(session.exec(q.order_by(AuditEntry.seq.desc()).limit(200)))
    return render(request, "audit.html", c, entries=rows, last=checks.last_check(session=session), entity=entity)


@router.post("/audit/verify")
def audit_verify(request: Request, c: Caller = Depends(page("audit:read")), session: Session = Depends(get_session)):
    checks.check(session=session, keeper=request.app.state.audit_keeper, by=c.actor, now=now_utc(request))
    session.commit()
    return RedirectResponse("/audit", status_code=303)
