"""What needs one person now: the leader's first screen.

A leader opening dutydesk on a phone at night wants two things before anything else: the incidents
they were notified of and have not acknowledged, and what became of the instructions they gave.
Both are decided by the caller's directory person (`by.person_id`); an account without one has
nothing here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from models.incidents.escalation import Acknowledgement, Notice
from models.incidents.instructions import Instruction, InstructionItem
from models.incidents.records import Incident
from services.access import Actor


@dataclass
class MyInstruction:
    instruction: Instruction
    incident: Incident
    waiting: int  # units yet to give feedback
    to_accept: int  # feedback given, not yet accepted by the duty office
    done: int


def awaiting_my_ack(session: Session, *, by: Actor, order: list[uuid.UUID] | None = None) -> list[Incident]:
    """Open, unacknowledged incidents `by` was notified of (or notified for, as acting person): once another
    target has acknowledged, the step stopped and nothing waits for `by` any more."""
    if by.person_id is None:
        return []
    notified = select(Notice.incident_id).where(Notice.person_id == by.person_id,
                                                Notice.purpose == "escalation")
    acked = select(Acknowledgement.incident_id).where(Acknowledgement.person_id == by.person_id)
    q = (select(Incident).where(Incident.status == "open", Incident.acknowledged_at.is_(None),
                               Incident.id.in_(notified), Incident.id.not_in(acked))
         .order_by(Incident.grade, Incident.received_at.desc()))
    found = [i for i in session.exec(q) if by.sees(i.unit_id)]
    if order:  # the board's urgency order (overdue first, then the nearest deadline), decided in one place
        rank = {incident_id: n for n, incident_id in enumerate(order)}
        found.sort(key=lambda i: rank.get(i.id, len(rank)))
    return found


def my_instructions(session: Session, *, by: Actor, limit: int = 10) -> list[MyInstruction]:
    """The instructions `by` gave on open incidents, newest first, with how far the units' feedback is."""
    if by.person_id is None:
        return []
    q = (select(Instruction, Incident).join(Incident, Incident.id == Instruction.incident_id)
         .where(Instruction.by_person_id == by.person_id, Incident.status == "open")
         .order_by(Instruction.at.desc()).limit(limit))
    out = []
    for ins, inc in session.exec(q):
        items = list(session.exec(select(InstructionItem).where(InstructionItem.instruction_id == ins.id)))
        out.append(MyInstruction(ins, inc, sum(i.status == "forwarded" for i in items),
                                 sum(i.status == "feedback_received" for i in items),
                                 sum(i.status == "closed" for i in items)))
    return out
