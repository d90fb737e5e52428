"""Committed data for dispatcher tests (the dispatcher reads through its own connections), cleaned up after."""

from __future__ import annotations

import contextlib
import uuid

from sqlmodel import Session, col, delete, select

from models.deliveries import (
    ChannelConfig,
    ChannelConfigCreate,
    Delivery,
    DeliveryAttempt,
)
from services import deliveries
from tests.deliveries.conftest import KEY


@contextlib.contextmanager
def live_channels(engine, *specs: dict):
    """Create channels (committed); on exit delete them and every delivery of the test's source id."""
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as s:
        for spec in specs:
            deliveries.create_channel(session=s, actor="test", key=KEY, data=ChannelConfigCreate(**spec))
        s.commit()
    try:
        yield tag
    finally:
        with Session(engine) as s:
            ids = list(s.exec(select(Delivery.id).where(Delivery.source_id.startswith(tag))))
            if ids:
                s.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(ids)))
                s.exec(delete(Delivery).where(col(Delivery.id).in_(ids)))
            names = [spec["name"] for spec in specs]
            s.exec(delete(ChannelConfig).where(col(ChannelConfig.name).in_(names)))
            s.commit()
