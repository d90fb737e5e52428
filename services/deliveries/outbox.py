"""Write delivery rows in the caller's transaction (outbox, invariant 3), idempotent on their key."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from core.db import notify_at_commit
from core.errors import Invalid
from models.accounts import User
from services.access import UNIT_INBOX
from models.deliveries import Delivery, DeliveryState
from models.directory import Person
from models.types import new_id, utcnow
from notifiers.base import Recipient

log = logging.getLogger("dutydesk.deliveries")

# Called (no arguments) after a transaction that enqueued something commits; the dispatcher
# registers its wake-up here, so a new row is sent at once rather than at the next poll.
WAKE_HOOKS: list[Callable[[], None]] = []
_PENDING = "deliveries_enqueued"
_ACCOUNTS = "deliveries_accounts"  # person id → has an active console account, as read in this transaction
WAKE_PAYLOAD = "deliveries"  # the NOTIFY for engines in other processes (core.db.notify_at_commit)


def group_key(source: str, source_id: Any, step: Any, recipient_key: str) -> str:
    """The key shared by every rung of one recipient's ladder; ASCII (it travels in HTTP headers)."""
    return quote(f"{source}:{source_id}:{step}:{recipient_key}", safe=":@.+-_/=~")


def recipient_of(person: Person | None, recipient: Recipient | dict | None, address: str | None) -> Recipient:
    """A snapshot of who the message goes to (the directory may change later)."""
    if isinstance(recipient, dict):
        recipient = Recipient.model_validate(recipient)
    if recipient is None:
        recipient = Recipient()
    if person is not None:
        recipient = Recipient(
            name=person.name, mobile=person.mobile or None, email=person.email or None,
            dingtalk_id=person.dingtalk_id or None, wecom_id=person.wecom_id or None,
            feishu_id=person.feishu_id or None, address=recipient.address,
        )
    if address:
        recipient = recipient.model_copy(update={"address": address})
    return recipient


def enqueue(
    *, session: Session, source: str, source_id: Any, text: str, step: Any = "",
    channel: str | None = None, ladder: Sequence[str] | None = None,
    person: Person | None = None, recipient: Recipient | dict | None = None, address: str | None = None,
    unit_id: uuid.UUID | None = None, subject: str = "", markdown: str | None = None, voice_text: str | None = None, ack_url: str | None = None,
    template_code: str | None = None, template_params: dict[str, str] | None = None,
    due_at: datetime | None = None, now: datetime | None = None, max_attempts: int | None = None,
) -> Delivery:
    """Queue one message for one recipient on `channel` (or the first rung of `ladder`); same key → same row.
    `unit_id`: a message to a unit as a whole (no `person`): on an inbox channel its duty officers read it."""
    rungs = [c for c in (ladder or ([channel] if channel else [])) if c]
    if not rungs:
        raise Invalid("a delivery needs a channel or a ladder of channels", field="channel")
    if channel and ladder and channel != rungs[0]:
        raise Invalid("channel must be the first rung of the ladder", field="channel")
    if len(set(rungs)) != len(rungs):
        raise Invalid("a ladder names each channel once", field="ladder")
    if not (text or voice_text):
        raise Invalid("消息内容不能为空 (a message needs text)", field="text")
    if not source:
        raise Invalid("a delivery needs its source", field="source")
    if max_attempts is not None and max_attempts < 1:
        raise Invalid("max_attempts must be at least 1 (or None for the pipeline default)", field="max_attempts")
    snap = recipient_of(person, recipient, address)
    if person is not None:  # the console inbox reaches only a person who can sign in (notifiers/inbox.py)
        snap = snap.model_copy(update={"console_account": has_account(session, person.id)})
    elif unit_id is not None:  # to the unit as a whole: read by its duty officers' accounts (Actor.inbox_unit)
        snap = snap.model_copy(update={"console_account": unit_has_reader(session, unit_id), "to_unit": True})
    who = str(person.id) if person is not None else (snap.address or snap.mobile or snap.email or snap.name)
    if not who:
        raise Invalid("发送须指定人员或接收地址 (a delivery needs a person or an address)", field="person")
    group = group_key(source, source_id, step, who)
    key = f"{group}:{rungs[0]}"
    now = now or utcnow()
    values = {
        **_column_defaults(), "id": new_id(),
        "idempotency_key": key, "group_key": group, "source": source, "source_id": str(source_id), "step": str(step),
        "person_id": person.id if person is not None else None, "unit_id": unit_id if person is None else None,
        "recipient": snap.model_dump(exclude_none=True),
        "channel": rungs[0], "ladder": rungs, "subject": subject[:200], "text": text or "", "markdown": markdown,
        "voice_text": voice_text, "ack_url": ack_url, "template_code": template_code,
        "template_params": dict(template_params or {}), "due_at": due_at or now, "created_at": now,
        "max_attempts": max_attempts,
    }
    return _insert_once(session, values)


@functools.cache
def _column_defaults() -> dict[str, Any]:
    """Every Delivery column's plain default (state queued, attempts 0, no claim...), as `Delivery()` sets them;
    those made by a factory (id, times, JSON) `enqueue` always gives."""
    fields = Delivery.model_fields
    return {c.key: fields[c.key].default for c in Delivery.__table__.c
            if not fields[c.key].is_required() and fields[c.key].default_factory is None}


def has_account(session: Session, person_id: uuid.UUID) -> bool:
    """Whether the directory person has an active console account (their inbox is read by someone)."""
    known = session.info.get(_ACCOUNTS)
    if known is not None and person_id in known:
        return known[person_id]
    return session.exec(select(User.id).where(User.person_id == person_id, User.active).limit(1)).first() is not None


def know_accounts(session: Session, person_ids: Sequence[uuid.UUID]) -> None:
    """Read in one query which of these people have an active console account, for the enqueues of this
    transaction (a step's people: one query, not one each); forgotten at its commit or rollback."""
    known = session.info.setdefault(_ACCOUNTS, {})
    ids = list({i for i in person_ids if i not in known})
    if ids:
        have = set(session.exec(select(User.person_id).where(User.person_id.in_(ids), User.active)).all())
        known.update({i: i in have for i in ids})


def unit_has_reader(session: Session, unit_id: uuid.UUID) -> bool:
    """Whether an active account reads the unit's inbox (its admins, duty officers, unit reporters:
    `services.access.UNIT_INBOX`, the accounts `Actor.inbox_unit` gives the unit's messages to)."""
    return session.exec(select(User.id).where(User.unit_id == unit_id, User.active, User.role.in_(UNIT_INBOX))
                        .limit(1)).first() is not None


@functools.cache
def _upsert(dialect: str):
    """The INSERT … ON CONFLICT DO NOTHING RETURNING id statement, built once (parameters passed per row)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    table = Delivery.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)


def _insert_once(session: Session, values: dict[str, Any]) -> Delivery:
    """INSERT … ON CONFLICT DO NOTHING: one statement, no savepoint; the existing row when the key is taken.

    A concurrent enqueue of the same key waits for the other transaction (unique index) and then
    finds its row. The new row joins the session as if loaded (built as the ORM builds a row it reads, not
    through `Delivery()`, whose field-by-field construction was a third of the enqueue's CPU), so callers may
    read or change it.
    """
    session.flush()  # rows the caller added earlier in this transaction go first (foreign keys)
    if session.connection().execute(_upsert(session.get_bind().dialect.name), values).first() is None:
        return session.exec(select(Delivery).where(Delivery.idempotency_key == values["idempotency_key"])).one()
    row = Delivery.__mapper__.class_manager.new_instance()
    row.__dict__.update(values)
    make_transient_to_detached(row)
    session.add(row)
    session.info[_PENDING] = True
    notify_at_commit(session, WAKE_PAYLOAD)
    return row


def next_rung(*, session: Session, delivery: Delivery, channel: str, now: datetime) -> Delivery:
    """The same message on the ladder's next channel, due now (idempotent on its own key)."""
    key = f"{delivery.group_key}:{channel}"
    existing = session.exec(select(Delivery).where(Delivery.idempotency_key == key)).first()
    if existing is not None:
        return existing
    fields = delivery.model_dump(exclude={
        "id", "idempotency_key", "channel", "state", "attempts", "due_at", "claimed_by", "claim_token",
        "claimed_at", "provider_message_id", "last_error", "superseded_by", "acked_at", "ack_detail",
        "created_at", "sent_at", "delivered_at"})
    row = Delivery(**fields, id=uuid.uuid4(), idempotency_key=key, channel=channel, state=DeliveryState.queued.value,
                   due_at=now, created_at=now)
    session.add(row)
    session.flush()
    session.info[_PENDING] = True
    notify_at_commit(session, WAKE_PAYLOAD)
    return row


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    session.info.pop(_ACCOUNTS, None)
    if session.info.pop(_PENDING, False):
        for hook in list(WAKE_HOOKS):
            try:
                hook()
            except Exception:  # a wake-up is only an optimisation: the poll still finds the row
                log.exception("delivery wake hook failed")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_ACCOUNTS, None)
