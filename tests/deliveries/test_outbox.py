"""The outbox: rows written in the caller's transaction, one row per key, clear refusals."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from core.errors import Invalid
from models.deliveries import Delivery
from services import deliveries
from tests.deliveries.conftest import NOW, queue


def _count(session) -> int:
    return session.exec(select(func.count()).select_from(Delivery)).one()


def test_enqueue_rolled_back_with_its_transaction_leaves_no_delivery(session):
    before = _count(session)
    nested = session.begin_nested()
    queue(session, 3)
    assert _count(session) == before + 3
    nested.rollback()  # the incident that caused them was not saved: neither are its messages
    assert _count(session) == before


def test_second_enqueue_with_the_same_key_returns_the_first_row(session, directory):
    person = directory["people"]["hub"]
    a = deliveries.enqueue(session=session, source="incident", source_id="i-9", step="1", person=person,
                           channel="inbox", text="火情", now=NOW)
    b = deliveries.enqueue(session=session, source="incident", source_id="i-9", step="1", person=person,
                           channel="inbox", text="火情（重复触发）", now=NOW)
    assert a.id == b.id and b.text == "火情"
    assert a.idempotency_key == f"incident:i-9:1:{person.id}:inbox"
    assert a.recipient["mobile"] == "13900000001" and a.recipient["name"] == person.name
    assert session.exec(select(func.count()).select_from(Delivery)
                        .where(Delivery.source_id == "i-9")).one() == 1


def test_same_key_from_a_second_session_does_not_make_a_second_row(engine):
    key_args = dict(source="incident", source_id="race", step="1", address="13800000000", channel="sms", text="x")
    try:
        with Session(engine) as s1:
            deliveries.enqueue(session=s1, **key_args)
            s1.commit()
        with Session(engine) as s2:
            again = deliveries.enqueue(session=s2, **key_args)
            s2.commit()
            assert s2.exec(select(func.count()).select_from(Delivery).where(Delivery.source_id == "race")).one() == 1
            assert again.channel == "sms"
    finally:
        with Session(engine) as s:
            for row in s.exec(select(Delivery).where(Delivery.source_id == "race")):
                s.delete(row)
            s.commit()


@pytest.mark.parametrize("kwargs, field", [
    (dict(channel=None), "channel"),
    (dict(channel="sms", ladder=["wecom", "sms"]), "channel"),
    (dict(ladder=["sms", "sms"], channel=None), "ladder"),
    (dict(text=""), "text"),
    (dict(address=None), "person"),
])
def test_bad_enqueue_names_the_field(session, kwargs, field):
    args = dict(source="test", source_id="1", channel="inbox", address="a", text="hello")
    args.update(kwargs)
    with pytest.raises(Invalid) as err:
        deliveries.enqueue(session=session, **args)
    assert err.value.field == field
