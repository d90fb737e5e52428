"""Console: message states (发送记录), channel admin with test sends (渠道管理), the personal inbox (收件箱)."""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import ServiceError
from models.deliveries import (
    ChannelConfigCreate,
    DeliveryState,
)
from notifiers import registry
from services import deliveries
from services.deliveries import messages
from web.api.deliveries import secret_key
from web.console.render import page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


@router.get("/deliveries")
def delivery_list(request: Request, state: str = "", channel: str = "", source: str = "",
                  c: Caller = Depends(page("deliveries:read")), session: Session = Depends(get_session)):
    rows = messages.message_list(session=session, state=state, channel=channel, source=source)
    return render(request, "deliveries.html", c, rows=rows, states=[s.value for s in DeliveryState], state=state,
                  channel=channel, source=source)


@router.get("/deliveries/{delivery_id}")
def delivery_detail(delivery_id: uuid.UUID, request: Request, c: Caller = Depends(page("inbox:read")),
                    session: Session = Depends(get_session)):
    d, tries = messages.message_for(session=session, delivery_id=delivery_id, by=c.by)
    return render(request, "delivery.html", c, d=d, tries=tries)


def _channels_page(request, c, session, status_code=200, error="", values=None, notice=""):
    rows = [deliveries.public(ch) for ch in deliveries.list_channels(session=session)]
    return render(request, "channels.html", c, status_code=status_code, channels=rows, error=error,
                  values=values or {}, kinds=sorted(registry.available()), notice=notice)


@router.get("/channels")
def channel_list(request: Request, c: Caller = Depends(page("channels:read")), session: Session = Depends(get_session)):
    return _channels_page(request, c, session, notice=request.query_params.get("queued", ""))


@router.post("/channels")
async def channel_create(request: Request, c: Caller = Depends(page("channels:write")),
                         session: Session = Depends(get_session)):
    form = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        config = json.loads(form.get("config") or "{}")
        if not isinstance(config, dict):
            raise ValueError("config must be a JSON object")
        data = ChannelConfigCreate(name=form.get("name", ""), kind=form.get("kind", ""),
                                   title=form.get("title", ""), config=config)
        deliveries.create_channel(session=session, data=data, actor=c.actor, key=secret_key(request))
        session.commit()
    except (ValueError, ValidationError, ServiceError) as exc:
        session.rollback()
        reason = exc.reason if isinstance(exc, ServiceError) else str(exc).splitlines()[0]
        return _channels_page(request, c, session, 422, reason, form)
    return RedirectResponse("/channels", status_code=303)


@router.post("/channels/{name}/test")
async def channel_test(name: str, request: Request, c: Caller = Depends(page("channels:write")),
                       session: Session = Depends(get_session)):
    form = await request.form()
    try:
        row = deliveries.send_test(session=session, name=name, to=str(form.get("to", "")).strip(), person_id=None,
                        actor=c.actor, now=now_utc(request))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _channels_page(request, c, session, 422, f"{name}: {exc.reason}")
    return RedirectResponse(f"/deliveries?source=test&channel={name}#d-{row.id}", status_code=303)


@router.get("/inbox")
def inbox(request: Request, c: Caller = Depends(page("inbox:read")), session: Session = Depends(get_session)):
    rows = messages.inbox(session=session, by=c.by)
    return render(request, "inbox.html", c, rows=rows, linked=bool(c.user.person_id))
