"""The audit log, read-only (admins and auditors)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.errors import Invalid
from services.audit import checks, reading
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["audit"])


class AuditPublic(BaseModel):
    seq: int = Field(description="the row's internal id (it has gaps on PostgreSQL); the entry's number is chain_pos")
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    unit_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str
    chain_pos: int | None = Field(description="the entry's number, 第 N 号, as the console and verify name it "
                                  "(its chain position); null while pending (待封存, sealed within a second)")
    hash: str | None


LIST_FILTERS = ("entity", "actor", "action", "before_pos", "before_seq", "limit")


def _known_filters(request: Request) -> None:
    """A filter the list does not know (a typo, `kind=` for `action=`) is refused, never silently ignored: an
    auditor would read an unfiltered list as the filtered one."""
    unknown = sorted({k for k in request.query_params if k not in LIST_FILTERS})
    if unknown:
        raise Invalid(f"未知的查询参数：{'、'.join(unknown)}；可用的参数：{'、'.join(LIST_FILTERS)}"
                      f" (unknown query parameters: {', '.join(unknown)}; known: {', '.join(LIST_FILTERS)})",
                      field=unknown[0])


@router.get("/audit", response_model=list[AuditPublic])
def list_audit(entity: str | None = None, actor: str | None = None,
               action: str | None = Query(None, description="the recorded action, such as update / login / export"),
               before_pos: int | None = Query(None, ge=1, le=2**63 - 1,
                                              description="the next page: entries numbered below this chain_pos"),
               before_seq: int | None = Query(None, ge=1, le=2**63 - 1, deprecated=True,
                                              description="by row id; use before_pos"),
               limit: int = Query(100, ge=1, le=1000), c: Caller = Depends(require("audit:read")),
               _known: None = Depends(_known_filters), session: Session = Depends(get_session)):
    return reading.raw_entries(session=session, by=c.by, entity=entity or "", actor=actor or "",
                               action=action or "", before_pos=before_pos, before_seq=before_seq, limit=limit)


class VerifyResult(BaseModel):
    at: datetime
    by: str
    checked: int
    pending: int
    problems: list[dict]
    seconds: float


@router.get("/audit/verify", response_model=VerifyResult | None)
def last_verification(request: Request, c: Caller = Depends(require("audit:read")),
                      session: Session = Depends(get_session)):
    """The most recent verification of the chain (the housekeeping flow runs one nightly)."""
    return checks.last_check(session=session, keeper=request.app.state.audit_keeper)


@router.post("/audit/verify", response_model=VerifyResult)
def verify_now(request: Request, c: Caller = Depends(require("audit:read")),
               session: Session = Depends(get_session)):
    """Seal pending entries and verify the whole chain now; the result is recorded."""
    row = checks.check(session=session, keeper=request.app.state.audit_keeper, by=c.actor, now=now_utc(request))
    session.commit()
    return row
