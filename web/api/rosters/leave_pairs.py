"""Leave pairs (/api/leave-pairs): who must not be away together; used when leave is filed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session

from models.types import INPUT
from services.rosters import leave_pairs
from web.deps import Caller, get_session, require

router = APIRouter(tags=["leave and swaps"])


class PairIn(BaseModel):
    model_config = INPUT

    person_a: uuid.UUID = Field(description="one of the two (e.g. the unit head)")
    person_b: uuid.UUID = Field(description="the other (e.g. the executive deputy)")


class PairOut(BaseModel):
    id: str
    person_a: str
    person_a_name: str
    person_b: str
    person_b_name: str


def _out(row, a, b) -> dict:
    return {"id": str(row.id), "person_a": str(a.id), "person_a_name": a.name,
            "person_b": str(b.id), "person_b_name": b.name}


@router.get("/leave-pairs", response_model=list[PairOut])
def list_pairs(c: Caller = Depends(require("leaves:read")), session: Session = Depends(get_session)):
    return [_out(*x) for x in leave_pairs.list_pairs(session=session, by=c.by)]


@router.post("/leave-pairs", status_code=201, response_model=PairOut)
def add_pair(data: PairIn, c: Caller = Depends(require("leave_pairs:write")), session: Session = Depends(get_session)):
    """Declare a pair; a later leave of one while the other is away needs `together_reason`."""
    row = leave_pairs.add_pair(session=session, person_a=data.person_a, person_b=data.person_b, by=c.by)
    session.commit()
    found = [x for x in leave_pairs.list_pairs(session=session, by=c.by) if x[0].id == row.id]
    return _out(*found[0])


@router.delete("/leave-pairs/{pair_id}", status_code=204)
def remove_pair(pair_id: uuid.UUID, c: Caller = Depends(require("leave_pairs:write")),
                session: Session = Depends(get_session)):
    leave_pairs.remove_pair(session=session, pair_id=pair_id, by=c.by)
    session.commit()
