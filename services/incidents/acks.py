"""Acknowledgements (确认收到) and signed, expiring, single-use acknowledgement links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from core.errors import Gone, NotFound
from core.settings import Settings
from models.directory import Person
from models.incidents.escalation import Acknowledgement, AckToken, EscalationState
from services import audit
from services.access import Actor
from services.incidents.lookups import incident_for

VIA = ("link", "console", "sms", "voice", "card")


def _sign(body: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest()[:18]).decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(session: Session, *, incident_id: uuid.UUID, person: Person | None, now: datetime,
              settings: Settings) -> str:
    """A new acknowledgement URL for one person; only the token's hash is stored."""
    expires = now + timedelta(hours=settings.incidents.ack_link_hours)
    body = f"{secrets.token_urlsafe(12)}.{int(expires.timestamp())}"
    token = f"{body}.{_sign(body, settings)}"
    session.add(AckToken(token_hash=_hash(token), incident_id=incident_id,
                         person_id=person.id if person else None, expires_at=expires, created_at=now))
    return f"{settings.public_url}/ack/{token}"


def check_link(session: Session, token: str, now: datetime, *, settings: Settings) -> AckToken:
    """The token's row if it is genuine, unused and unexpired; else NotFound / Gone (nothing changes)."""
    body, _, sig = token.rpartition(".")
    # Bytes, not str: compare_digest refuses non-ASCII strings (a hand-edited link) with a TypeError.
    if not body or not hmac.compare_digest(sig.encode(), _sign(body, settings).encode()):
        raise NotFound("确认链接无效 (invalid link)", field="token")
    row = session.exec(select(AckToken).where(AckToken.token_hash == _hash(token))).first()
    if row is None:
        raise NotFound("确认链接无效 (invalid link)", field="token")
    if row.used_at is not None:
        raise Gone("确认链接已使用过 (link already used)", field="token")
    expires = datetime.fromtimestamp(int(body.rsplit(".", 1)[-1]), UTC)
    if now >= min(expires, row.expires_at):
        raise Gone("确认链接已过期 (link expired)", field="token")
    return row


def use_link(session: Session, *, token: str, now: datetime, settings: Settings) -> Acknowledgement:
    """Acknowledge through a link: single use is one conditional UPDATE."""
    row = check_link(session, token, now, settings=settings)
    claimed = session.exec(update(AckToken).where(AckToken.id == row.id, AckToken.used_at.is_(None))
                           .values(used_at=now))
    if claimed.rowcount != 1:
        raise Gone("确认链接已使用过 (link already used)", field="token")
    person = session.get(Person, row.person_id) if row.person_id else None
    # the signed link is the authority: it names its person, whoever opens it
    return acknowledge(session=session, incident_id=row.incident_id, person_id=row.person_id, via="link", now=now,
                       by=Actor.system(f"link:{person.name if person else 'anonymous'}"))


def acknowledge(*, session: Session, incident_id: uuid.UUID, by: Actor, via: str, now: datetime,
                person_id: uuid.UUID | None = None, name: str = "") -> Acknowledgement:
    """Record an acknowledgement; the first one stops the escalation for good.

    `by` acknowledges as their own directory person; `person_id` naming someone else (a leader who phoned the
    office) is the duty office's to record. `name` says who it was when no directory person is known."""
    incident = incident_for(session, incident_id, by)
    person_id = person_id or by.person_id
    if person_id is not None and not by.is_person(person_id):
        by.require_office("代他人确认收到 (only the duty office records someone else's acknowledgement)",
                          field="person_id")
    person = session.get(Person, person_id) if person_id else None
    if person_id is not None and person is None:
        raise NotFound("person not found", field="person_id")
    who = person.name if person else (name or by.name)
    ack = Acknowledgement(incident_id=incident.id, person_id=person.id if person else None, name=who[:120], at=now,
                          via=via, seconds_to_ack=max(0, int((now - incident.received_at).total_seconds())))
    session.add(ack)
    if incident.acknowledged_at is None:
        incident.acknowledged_at, incident.acknowledged_by = now, who[:120]
        session.add(incident)
        session.exec(update(EscalationState).where(EscalationState.incident_id == incident.id,
                                                   EscalationState.status == "active")
                     .values(status="stopped", next_due_at=None))
    session.flush()
    audit.record(session=session, actor=by.name, action="acknowledge", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, after=ack, at=now, note=f"{who} 经{via}确认")
    return ack


def on_delivery_ack(session: Session, delivery, receipt, now: datetime, settings) -> None:
    """Delivery pipeline hook: a key press, SMS reply or card click on an escalation message acknowledges."""
    if delivery.source != "incident" or not str(delivery.step).startswith("step:"):
        return
    via = {"key_press": "voice", "reply": "sms"}.get(receipt.kind, "card")
    person = session.get(Person, delivery.person_id) if delivery.person_id else None
    name = person.name if person else (delivery.recipient or {}).get("name", "")
    acknowledge(session=session, incident_id=uuid.UUID(delivery.source_id), by=Actor.system(f"{via}:{name}"),
                person_id=person.id if person else None, via=via, now=now, name=name)
