"""What changed since a mark: the topics the console's live pages listen to.

Every change a person can see leaves a row: an audit entry (incidents, reports, rosters, ...,
each escalation step and acknowledgement); a delivery attempt (the engine's sends). `poll` reads the newest of each and,
for audit entries, which kinds of record changed, so the web layer can tell open pages which of their
regions to fetch again. Events carry topics only, never data: a page refetches itself through the
normal, authorized route.

Audit entries get their `seq` when inserted but become visible at commit, so a slow transaction can
commit a lower `seq` after a higher one was seen; the poll looks back `LOOKBACK` positions and
remembers what it has reported, so such an entry is still announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditEntry
from models.deliveries import DeliveryAttempt

TOPICS = ("incidents", "deliveries", "rosters", "spotchecks", "directory", "system")
LOOKBACK = 200

_BY_ENTITY = {
    **dict.fromkeys(("incident", "incident_report", "incident_ack", "instruction", "instruction_item", "duty_log",
                     "phone_log", "escalation_policy"), "incidents"),
    **dict.fromkeys(("delivery", "channel"), "deliveries"),
    **dict.fromkeys(("roster", "roster_slot", "roster_policy", "leave", "leave_pair", "swap", "handover", "holiday",
                     "duty_post", "duty_pool", "ical_feed"), "rosters"),
    **dict.fromkeys(("phone_check", "planned_check", "spotcheck_plan", "circular", "inspection",
                     "inspection_attachment", "explanation_request", "video_roll_call", "ivr_attempt",
                     "reminder_notice", "spotcheck_export"), "spotchecks"),
    **dict.fromkeys(("unit", "person"), "directory"),
}


def topic_of(entity: str) -> str:
    return _BY_ENTITY.get(entity, "system")


@dataclass
class Mark:
    """How far a poller has read. Starts at the present (`start`), so a new poller reports nothing old."""

    audit_seq: int = 0
    attempt_at: datetime | None = None
    seen: set[int] = field(default_factory=set)
    started: bool = False


def start(session: Session) -> Mark:
    mark = Mark()
    poll(session, mark)
    return mark


def poll(session: Session, mark: Mark) -> set[str]:
    """The topics that changed since `mark` (which is advanced in place)."""
    topics: set[str] = set()
    if not mark.started:  # begin at the present: never read the whole record
        mark.audit_seq = session.exec(select(func.max(AuditEntry.seq))).one() or 0
    rows = session.exec(select(AuditEntry.seq, AuditEntry.entity)
                        .where(AuditEntry.seq > mark.audit_seq - LOOKBACK)).all()
    new = [(seq, entity) for seq, entity in rows if seq not in mark.seen]
    topics |= {topic_of(entity) for _, entity in new}
    if rows:
        mark.audit_seq = max(mark.audit_seq, max(seq for seq, _ in rows))
    mark.seen = {seq for seq, _ in rows if seq > mark.audit_seq - LOOKBACK}
    newest = session.exec(select(func.max(DeliveryAttempt.at))).one()  # indexed
    if newest is not None and (mark.attempt_at is None or newest > mark.attempt_at):
        topics.update(("deliveries", "incidents"))  # a send's outcome shows on the incident's timeline too
        mark.attempt_at = newest
    if not mark.started:  # a first poll only sets the mark
        mark.started = True
        return set()
    return topics
