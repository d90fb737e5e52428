"""Deliveries (read) and channels (admin CRUD with redacted secrets, test send) under /api."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.errors import NotFound
from models.deliveries import (
    ChannelConfigCreate,
    ChannelConfigPublic,
    ChannelConfigUpdate,
    Delivery,
    DeliveryAttempt,
    DeliveryPublic,
    DeliveryState,
)
from models.types import INPUT, Moment
from services import deliveries
from services.deliveries.messages import shown
from web.deps import Caller, get_session, now_utc, require

router = APIRouter(tags=["deliveries"])


def secret_key(request: Request) -> str:
    return request.app.state.settings.secret_key.get_secret_value()


@router.get("/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(state: DeliveryState | None = None, channel: str | None = None, source: str | None = None,
                    source_id: str | None = None, before: Moment | None = None,
                    limit: int = Query(100, ge=1, le=1000), c: Caller = Depends(require("deliveries:read")),
                    session: Session = Depends(get_session)):
    """Newest first; filter by state, channel, source (incident, reminder, test …) and source id. Someone else's
    message has its acknowledgement link replaced by a label and no `ack_url`."""
    q = select(Delivery)
    for column, value in ((Delivery.state, state and state.value), (Delivery.channel, channel),
                          (Delivery.source, source), (Delivery.source_id, source_id)):
        if value:
            q = q.where(column == value)
    if before:
        q = q.where(Delivery.created_at < before)
    return [shown(d, c.by) for d in session.exec(q.order_by(col(Delivery.created_at).desc()).limit(limit))]


class AttemptPublic(BaseModel):
    channel: str
    outcome: str
    error: str
    at: datetime
    duration_ms: int


class DeliveryDetail(DeliveryPublic):
    attempts_log: list[AttemptPublic]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(delivery_id: uuid.UUID, c: Caller = Depends(require("deliveries:read")),
                 session: Session = Depends(get_session)):
    d = session.get(Delivery, delivery_id)
    if d is None:
        raise NotFound(f"未找到该发送记录 (delivery {delivery_id} not found)", field="delivery_id")
    tries = session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                         .order_by(DeliveryAttempt.at))
    return DeliveryDetail(**shown(d, c.by).model_dump(), attempts_log=[AttemptPublic(**t.model_dump()) for t in tries])


@router.get("/channels", response_model=list[ChannelConfigPublic])
def list_channels(c: Caller = Depends(require("channels:read")), session: Session = Depends(get_session)):
    return [deliveries.public(ch) for ch in deliveries.list_channels(session=session)]


@router.post("/channels", response_model=ChannelConfigPublic, status_code=201)
def create_channel(data: ChannelConfigCreate, request: Request, c: Caller = Depends(require("channels:write")),
                   session: Session = Depends(get_session)):
    row = deliveries.create_channel(session=session, data=data, actor=c.actor, key=secret_key(request))
    session.commit()
    return deliveries.public(row)


@router.patch("/channels/{name}", response_model=ChannelConfigPublic)
def update_channel(name: str, data: ChannelConfigUpdate, request: Request,
                   c: Caller = Depends(require("channels:write")), session: Session = Depends(get_session)):
    row = deliveries.update_channel(session=session, name=name, data=data, actor=c.actor, key=secret_key(request))
    session.commit()
    return deliveries.public(row)


class TestSend(BaseModel):
    model_config = INPUT

    to: str = Field("", max_length=300, description="address for this channel (URL, number, e-mail); or person_id")
    person_id: uuid.UUID | None = None
    lang: str = Field("zh-CN", description="zh-CN or en")


@router.post("/channels/{name}/test", response_model=DeliveryPublic, status_code=202)
def test_channel(name: str, data: TestSend, request: Request, c: Caller = Depends(require("channels:write")),
                 session: Session = Depends(get_session)):
    """Queue a test message; poll GET /api/deliveries/{id} for its state."""
    row = deliveries.send_test(session=session, name=name, to=data.to, person_id=data.person_id, actor=c.actor,
                    now=now_utc(request), lang=data.lang)
    session.commit()
    return row
