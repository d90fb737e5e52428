"""Merging duplicates (合并同一事件): one incident is kept, the other becomes one of its sources (另一来源).

The merged incident stops: its escalation ends (messages still waiting are withdrawn), its open deadlines close
as merged (never overdue), it leaves the board and the statistics. Its unit, reporter, times and reports stay
on record and show on the kept incident's timeline. Never a chain: a merge into an incident that is itself
merged is refused (merge into the one it went to), and the merged incident's own sources move to the kept one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from models.incidents.escalation import EscalationState
from models.incidents.records import Incident
from rules.incidents import Category
from services import audit
from services.access import Actor
from services.deliveries import cancel_queued
from services.incidents import deadlines, duplicates
from services.incidents.lookups import get_incident, incident_for

WITHDRAWN = "事件已合并，不再发送"
# outbox steps of the merged incident's own reminders: escalation steps (and personal rules), the ack timeout's
# re-alert, deadline alarms. Upward reports and forwarded instructions are real work already sent: left alone.
_STEPS = ("step:%", "ack_timeout", "dl:%")


@dataclass
class Merged:
    incident: Incident  # the merged one (now a source)
    into: Incident  # the one kept
    warnings: list[str] = field(default_factory=list)  # zh-CN, "中文 (English)"
    moved: int = 0  # sources of the merged incident now pointing at the kept one


def _label(category: str) -> str:
    try:
        return Category(category).label
    except ValueError:
        return category


def _target(session: Session, into_id: uuid.UUID | None, incident: Incident, by: Actor, lock: bool = True
            ) -> Incident:
    if into_id is None:
        raise Invalid("请选择要并入的事件 (choose the incident to merge into)", field="into")
    if into_id == incident.id:
        raise Invalid("不能将事件并入其自身 (an incident cannot be merged into itself)", field="into")
    try:
        into = incident_for(session, into_id, by, for_update=lock)
    except NotFound as exc:
        exc.field = "into"
        raise
    if into.merged_into_id is not None:
        top = get_incident(session, into.merged_into_id)
        raise Invalid(f"「{into.title}」已并入「{top.title}」，请改为并入「{top.title}」"
                      f" (that incident is merged into another: merge into that one)", field="into")
    return into


TARGETS = 200  # the most open incidents offered at once; a title search narrows them


def targets(session: Session, incident: Incident, by: Actor, *, q: str = "") -> list[Incident]:
    """The open incidents `by` may merge `incident` into (the console's choice, not only the suggested duplicate):
    the duty office's, every open unmerged incident it sees but this one, newest first, whose title holds `q`
    (any case). Empty for anyone else, or when `incident` itself is no longer open. `merge` checks the choice
    again, as it checks any other."""
    if not by.office or incident.status != "open" or incident.merged_into_id is not None:
        return []
    found = select(Incident).where(Incident.status == "open", Incident.merged_into_id.is_(None),
                                   Incident.id != incident.id)
    if by.scope is not None:
        found = found.where(Incident.unit_id == by.scope)
    words = q.strip()
    if words:
        found = found.where(func.lower(Incident.title).contains(words.lower(), autoescape=True))
    return list(session.exec(found.order_by(Incident.received_at.desc()).limit(TARGETS)))


def _checked(session: Session, incident_id: uuid.UUID, into_id: uuid.UUID | None, by: Actor, *, lock: bool
             ) -> Merged:
    incident = incident_for(session, incident_id, by, for_update=lock)
    by.require_office("合并事件 (only the duty office merges incidents)", field="into")
    if incident.merged_into_id is not None:
        kept = get_incident(session, incident.merged_into_id)
        raise Conflict(f"本事件已并入「{kept.title}」 (already merged)", field="incident_id")
    into = _target(session, into_id, incident, by, lock)
    out = Merged(incident, into)
    if into.category != incident.category:
        out.warnings.append(f"两起事件类别不同（{_label(incident.category)}、{_label(into.category)}），仍已合并"
                            f" (the categories differ; merged as asked)")
    return out


def preview(*, session: Session, incident_id: uuid.UUID, into_id: uuid.UUID | None, by: Actor) -> Merged:
    """What `merge` would do, refused exactly as it would be, nothing written or locked: the console's
    confirmation step before the merge (`moved` counts the sources that would move; a warning says 仍已合并 as
    the merge will)."""
    out = _checked(session, incident_id, into_id, by, lock=False)
    out.moved = len(duplicates.sources(session, out.incident))
    return out


def merge(*, session: Session, incident_id: uuid.UUID, into_id: uuid.UUID | None, by: Actor, now: datetime
          ) -> Merged:
    """Merge `incident_id` into `into_id` (the duty office's call); audited with both titles."""
    out = _checked(session, incident_id, into_id, by, lock=True)
    incident, into = out.incident, out.into
    before = audit.jsonable(incident)
    incident.status, incident.merged_into_id, incident.merged_at, incident.merged_by = "merged", into.id, now, by.name
    session.add(incident)
    for source in duplicates.sources(session, incident):  # never a chain: its own sources go to the kept one
        source.merged_into_id = into.id
        session.add(source)
        out.moved += 1
    session.exec(update(EscalationState).where(EscalationState.incident_id == incident.id)
                 .values(status="stopped", next_due_at=None))
    for step in _STEPS:
        cancel_queued(session=session, source="incident", source_id=str(incident.id), step_like=step,
                      reason=WITHDRAWN)
    for row in deadlines.open_rows(session, incident.id):
        row.cancelled_at, row.cancel_reason = now, "merged"
        session.add(row)
    session.flush()
    note = f"「{incident.title}」并入「{into.title}」" + (f"；{out.warnings[0]}" if out.warnings else "")
    audit.record(session=session, actor=by.name, action="merge", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, before=before, after=incident, at=now, note=note)
    audit.record(session=session, actor=by.name, action="merge_source", entity="incident", entity_id=into.id,
                 unit_id=into.unit_id, at=now, note=note)
    return out
