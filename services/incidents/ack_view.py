"""What the pages say about acknowledging (确认收到): the board and the incident page (who acknowledged, who is
still awaited, what the escalation is doing), the acknowledgement link's page (someone else acknowledged already)
and the API's list of everyone who acknowledged. Reads only: acknowledging is services/incidents/acks.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.incidents.escalation import Acknowledgement, EscalationState
from models.incidents.records import Incident
from rules.incidents import escalation as esc
from services.incidents.acks import acks_of, progress_at, reached


@dataclass(frozen=True)
class Awaited:
    """Whom the escalation's current step waits for: everyone it reached who has not acknowledged (待确认：张三、李四,
    an "all" step needs each of them) or any one of them (等待确认：黄文静, an "any" step)."""

    rule: str  # "all" | "any"
    names: list[str]


def awaited(session: Session, incident: Incident) -> Awaited | None:
    """Who the step that fired last is waiting for; None before a step fired, once acknowledged or not open."""
    if incident.acknowledged_at is not None or incident.status != "open" or not incident.escalation_policy:
        return None
    policy = esc.from_snapshot(incident.escalation_policy)
    state = session.get(EscalationState, incident.id)
    base = int(incident.escalation_policy.get("seq_base", 0))
    fired = state.seq if state is not None else 0
    if not policy.steps or fired <= base:
        return None
    rule = policy.steps[esc.current_step(policy, fired - base)].ack
    acked = {a.person_id for a in acks_of(session, incident.id) if a.kind == "ack" and a.person_id}
    out: list[str] = []
    for n in reached(session, incident.id, fired - 1):
        if n.person_id in acked or (n.for_person_id is not None and n.for_person_id in acked):
            continue
        name = f"{n.recipient}（代{n.acting_for}）" if n.acting_for else n.recipient
        if name not in out:
            out.append(name)
    return Awaited("all" if rule is esc.AckRule.all else "any", out) if out else None


def still_to_ack(session: Session, incident: Incident) -> list[str]:
    """Names of the people an "all" step reached who have not acknowledged (待确认：张三、李四); empty for an "any"
    step (see `awaited`), before it fired, or once acknowledged."""
    w = awaited(session, incident)
    return w.names if w is not None and w.rule == "all" else []


def shown_escalation(session: Session, incident: Incident, row: EscalationState | None) -> tuple[str, datetime | None]:
    """What the escalation is doing, as the console says it: (status, until). "awaiting" until the acknowledgement
    timeout's end when everyone the step needed acknowledged and only a 续报 or feedback is awaited (nobody is being
    called meanwhile); "stopped" once that 续报/feedback came (the engine stops it at that time); else the row's
    status (active: notifying, stopped, exhausted) with its next step's time. ("", None) with no escalation."""
    if row is None:
        return "", None
    if (row.status != "active" or incident.acknowledged_at is None or row.ack_realerted_at is not None
            or not (incident.escalation_policy or {}).get("ack_timeout_minutes") or row.next_due_at is None):
        return row.status, row.next_due_at
    came = progress_at(session, incident)
    return ("stopped", None) if came is not None and came >= incident.acknowledged_at else ("awaiting", row.next_due_at)


def acknowledged_names(session: Session, incident: Incident,
                       acks: list[Acknowledgement] | None = None) -> list[str]:
    """Everyone whose acknowledgement (确认收到, not a receipt) led to the incident's acknowledgement, in order: all
    the leaders of a step that needed every one of them, not only the last. A board passes each incident's `acks`
    (from `given`, one query for all)."""
    if incident.acknowledged_at is None:
        return []
    if acks is None:
        names = session.exec(select(Acknowledgement.name).where(
            Acknowledgement.incident_id == incident.id, Acknowledgement.kind == "ack",
            Acknowledgement.at <= incident.acknowledged_at).order_by(Acknowledgement.at)).all()
    else:
        names = [a.name for a in acks if a.at <= incident.acknowledged_at]
    out = list(dict.fromkeys(n for n in names if n))
    return out or [incident.acknowledged_by]


def given(session: Session, incident_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Acknowledgement]]:
    """Each incident's acknowledgements (确认收到, not 签收), oldest first: everyone who acknowledged, not only the
    last one (`acknowledged_by`). One query for a whole board."""
    out: dict[uuid.UUID, list[Acknowledgement]] = {i: [] for i in incident_ids}
    if incident_ids:
        for a in session.exec(select(Acknowledgement).where(Acknowledgement.incident_id.in_(incident_ids),
                                                            Acknowledgement.kind == "ack")
                              .order_by(Acknowledgement.at)):
            out[a.incident_id].append(a)
    return out


@dataclass(frozen=True)
class LinkView:
    """The acknowledgement link's page for its person, before they acknowledge: other people's acknowledgements
    (周文静已于03:12确认收到), and whether theirs still counts (the button shows only then)."""

    others: list[Acknowledgement]
    needed: bool  # open and not yet acknowledged: an "any" step nobody met, or an "all" step still missing people
    pending: list[str]  # an "all" step: who has not acknowledged yet (this person among them)
    closed_at: datetime | None = None  # 终报 came meanwhile: nothing to acknowledge


def for_link(session: Session, incident: Incident, person_id: uuid.UUID | None) -> LinkView:
    others = [a for a in acks_of(session, incident.id) if a.kind == "ack" and a.person_id != person_id]
    if incident.acknowledged_at is not None:  # only those who led to it, not later ones that changed nothing
        others = [a for a in others if a.at <= incident.acknowledged_at] or others
    needed = incident.status == "open" and incident.acknowledged_at is None
    return LinkView(others, needed, still_to_ack(session, incident) if needed else [],
                    incident.closed_at if incident.status == "closed" else None)


@dataclass(frozen=True)
class Settled:
    """Why an inbox message's acknowledgement link asks nothing of its person any more."""

    why: str  # "other" (someone else's acknowledgement met the step), "closed" (终报), "merged"
    at: datetime | None
    name: str = ""


def settled_links(session: Session, deliveries) -> dict[uuid.UUID, Settled]:
    """Of these inbox messages, those with an acknowledgement link for an incident that no longer waits for their
    person, by message id: the inbox then says so instead of offering a button (the link's page does the same)."""
    out: dict[uuid.UUID, Settled] = {}
    for d in deliveries:
        if d.source != "incident" or not d.ack_url or d.acked_at is not None:
            continue
        try:
            incident = session.get(Incident, uuid.UUID(d.source_id))
        except ValueError:
            continue
        if incident is None:
            continue
        if incident.status == "merged":
            out[d.id] = Settled("merged", incident.merged_at)
            continue
        view = for_link(session, incident, d.person_id)
        if view.needed:
            continue
        if view.closed_at is not None:
            out[d.id] = Settled("closed", view.closed_at)
        elif view.others:
            out[d.id] = Settled("other", view.others[0].at, "、".join(dict.fromkeys(a.name for a in view.others)))
        elif incident.acknowledged_at is not None:
            out[d.id] = Settled("other", incident.acknowledged_at, incident.acknowledged_by)
    return out
