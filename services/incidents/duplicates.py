"""Likely duplicates (同一事件多方报告): the incidents the rule (rules/incidents/duplicates.py) finds alike, as the
caller may see them. Suggestions only; merging is services/incidents/merge.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Unit
from models.incidents.records import Incident
from rules.incidents import duplicates as dup
from services.access import Actor


@dataclass(frozen=True)
class Suggestion:
    """One likely duplicate, with what the officer needs to judge it: title, unit, times, and why."""

    incident: Incident
    unit: str
    match: dup.Match


def policy(settings: Settings) -> dup.DuplicatePolicy:
    """The rule's DuplicatePolicy with the configured fields in place of its defaults."""
    s, p = settings.incidents.duplicates, dup.DuplicatePolicy()
    return replace(p, **{k: v for k, v in s.model_dump().items() if v is not None})


RULE_FIELDS = ("id", "category", "place", "received_at", "occurred_at", "unit_id", "source", "status", "closed_at",
               "merged_into_id")  # the columns as_rule reads


def as_rule(incident: Incident) -> dup.Report:
    return _report(incident)


def _report(i) -> dup.Report:
    """An incident, or a row of its RULE_FIELDS, as the rule sees it."""
    return dup.Report(i.id, i.category, i.place or "", i.received_at, i.occurred_at, i.unit_id, i.source or "",
                      i.status, i.closed_at, i.merged_into_id is not None)


def suggestions(session: Session, probe: dup.Report, now: datetime, *, by: Actor, settings: Settings
                ) -> list[Suggestion]:
    """Incidents `by` may see that are likely the same event as `probe` (a new or a logged incident)."""
    p = policy(settings)
    if p.min_place_similarity > 0 and not dup.normalise_place(probe.place):
        return []  # a place unknown (or only 镇/村… words) is alike no other place (the rule: similarity 0)
    # a coarse pre-selection in SQL; the rule decides (事发时间 may lie a day before 接报)
    span = timedelta(minutes=p.window_minutes) + timedelta(days=2)
    # the rule's fields only: whole rows (their JSON policy snapshots) for up to 500 candidates cost a POST
    # most of its CPU when many incidents of one category are open; whole rows are read for the few matches
    c = Incident.__table__.c
    q = select(*(c[k] for k in RULE_FIELDS)).where(
        c.category == probe.category, c.merged_into_id.is_(None), c.received_at >= probe.event_at - span,
        c.received_at <= probe.received_at + span,
        or_(c.status == "open", c.closed_at >= now - timedelta(hours=p.closed_within_hours)))
    if probe.id is not None:
        q = q.where(c.id != probe.id)
    if p.min_place_similarity > 0:  # candidates with no place are alike none (similarity 0), so not read
        q = q.where(c.place.is_not(None), c.place != "")
    if by.scope is not None:
        q = q.where(c.unit_id == by.scope)
    candidates = [_report(row) for row in session.execute(q.limit(500))]
    if not candidates:
        return []
    found = dup.likely_duplicates(probe, candidates, now, p)
    if not found:
        return []
    rows = {i.id: i for i in session.exec(select(Incident).where(Incident.id.in_([m.id for m in found])))}
    names = {u.id: u.name for u in session.exec(select(Unit).where(
        Unit.id.in_({rows[m.id].unit_id for m in found})))}
    return [Suggestion(rows[m.id], names.get(rows[m.id].unit_id, ""), m) for m in found]


def of_incident(session: Session, incident: Incident, now: datetime, *, by: Actor, settings: Settings
                ) -> list[Suggestion]:
    """Likely duplicates of a logged incident (none once it is merged into another)."""
    if incident.merged_into_id is not None:
        return []
    return suggestions(session, as_rule(incident), now, by=by, settings=settings)


def sources(session: Session, incident: Incident) -> list[Incident]:
    """The incidents merged into this one (its other sources, 另一来源), oldest report first."""
    return list(session.exec(select(Incident).where(Incident.merged_into_id == incident.id)
                             .order_by(Incident.received_at)))
