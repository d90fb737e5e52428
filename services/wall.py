"""The duty room's wall display (值班大屏): one read of everything the room watches.

On duty now across units, open incidents by urgency, what is late (report deadlines) or failed
(deliveries, via the alerts), today's spot checks and their results, and the month's figures for
the charts. A read model over the features' own reads; it decides nothing itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Unit
from models.incidents.records import Deadline, Incident
from models.spotchecks.checks import PhoneCheck
from rules.incidents.types import Category, Grade
from rules.spotchecks.outcomes import Outcome, is_failure
from services import alerts
from services.access import Actor
from services.incidents import board
from services.rosters import now_list


@dataclass
class CheckToday:
    unit: str
    at: datetime
    outcome: str  # the Outcome value (the console words it), or the stored value when unknown
    failed: bool


@dataclass
class Wall:
    now: datetime
    on_duty: list[dict]  # the first `rosters.wall_on_duty_rows` units (problems first)
    incidents: list[board.BoardRow]
    overdue: list[tuple[Deadline, Incident]]  # (deadline, its incident)
    alerts: list[alerts.Alert]
    checks: list[CheckToday]
    by_category: list[tuple[str, int]] = field(default_factory=list)  # this month's incidents, by Category value
    by_grade: list[tuple[int | None, int]] = field(default_factory=list)  # by grade value; None: not graded yet
    pass_rates: list[tuple[str, float]] = field(default_factory=list)  # this month, per unit checked
    on_duty_more: int = 0  # units past the first few (0: all listed)
    on_duty_total: int = 0  # units in all when some are left out


def wall(session: Session, now: datetime, *, by: Actor, settings: Settings, alert_sources=()) -> Wall:
    tz = settings.tz
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time(), tz)
    month_start = day_start.replace(day=1)
    units = {u.id: u.name for u in session.exec(select(Unit))}
    rows = board.board(session, now, by=by, settings=settings, limit=50)
    incidents = {b.incident.id: b.incident for b in rows}
    duty = now_list.first_rows(session=session, now=now, by=by, tz=settings.timezone,
                               limit=settings.rosters.wall_on_duty_rows)
    overdue = [(d, incidents.get(d.incident_id) or session.get(Incident, d.incident_id))
               for d in board.overdue_deadlines(session, now, by=by)]
    return Wall(
        now=now,
        on_duty=duty.rows,
        on_duty_more=duty.more,
        on_duty_total=duty.total,
        incidents=rows,
        overdue=overdue,
        alerts=alerts.collect(session=session, now=now, settings=settings, sources=alert_sources, scope=by.scope),
        checks=_checks_since(session, day_start, units, by),
        **_month(session, month_start, now, units, by),
    )


def _checks_since(session: Session, since: datetime, units: dict, by: Actor) -> list[CheckToday]:
    q = select(PhoneCheck).where(PhoneCheck.started_at >= since, _current())
    if by.scope is not None:
        q = q.where(PhoneCheck.unit_id == by.scope)
    out = []
    for c in session.exec(q.order_by(PhoneCheck.started_at.desc()).limit(30)):
        outcome = _outcome(c.outcome)
        out.append(CheckToday(units.get(c.unit_id, ""), c.started_at, outcome.value if outcome else c.outcome,
                              bool(outcome and is_failure(outcome))))
    return out


def _month(session: Session, start: datetime, now: datetime, units: dict, by: Actor) -> dict:
    q = select(Incident.category, Incident.grade).where(Incident.received_at >= start, Incident.received_at <= now,
                                                        Incident.merged_into_id.is_(None))  # merged: counted once
    if by.scope is not None:
        q = q.where(Incident.unit_id == by.scope)
    found = session.exec(q).all()
    cats = Counter(c for c, _ in found)
    grades = Counter(g for _, g in found)
    by_category = [(c.value, cats[c.value]) for c in Category if cats.get(c.value)]
    by_grade: list[tuple[int | None, int]] = [(g.value, grades[g.value]) for g in Grade if grades.get(g.value)]
    if grades.get(None):
        by_grade.append((None, grades[None]))
    checks = session.exec(select(PhoneCheck.unit_id, PhoneCheck.outcome).where(
        PhoneCheck.started_at >= start, PhoneCheck.started_at <= now + timedelta(seconds=1), _current())).all()
    per_unit: dict = {}
    for unit_id, outcome in checks:
        if by.scope is not None and unit_id != by.scope:
            continue
        o = _outcome(outcome)
        total, passed = per_unit.get(unit_id, (0, 0))
        per_unit[unit_id] = (total + 1, passed + (0 if o and is_failure(o) else 1))
    rates = sorted(((units.get(u, ""), p / t) for u, (t, p) in per_unit.items()), key=lambda x: (x[1], x[0]))
    return {"by_category": by_category, "by_grade": by_grade, "pass_rates": rates[:15]}


def _current():
    """A result a correction replaced is not counted; the correction is."""
    replaced = select(PhoneCheck.corrects_id).where(PhoneCheck.corrects_id.is_not(None))
    return PhoneCheck.id.not_in(replaced)


def _outcome(value: str) -> Outcome | None:
    try:
        return Outcome(value)
    except ValueError:
        return None
