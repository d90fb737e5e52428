"""Statistics from the database into rules.spotchecks.statistics: yearly figures, monthly series, per-unit compliance."""

from __future__ import annotations

import statistics as st
from collections import defaultdict
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from core.settings import Settings
from models.directory import Unit
from models.incidents.instructions import InstructionItem
from models.incidents.records import Incident
from models.rosters.leave import LeaveReport
from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import Inspection, ReminderNotice, VideoRollCall
from rules.incidents.types import Category
from rules.spotchecks.outcomes import Outcome, SpotCheckPolicy
from rules.spotchecks.statistics import (
    CheckKind,
    CheckRecord,
    IncidentRecord,
    ParagraphStyle,
    Record,
    YearFigures,
    duty_paragraph,
    yearly_figures,
)
from services.incidents.upward import reached_incidents
from services.spotchecks.results import current_checks


def _year_bounds(year: int, tz) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz).astimezone(UTC), datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)


def _leave_reports(session: Session, lo, hi, tz) -> list[Record] | None:
    rows = session.exec(select(LeaveReport.filed_at).where(LeaveReport.filed_at >= lo, LeaveReport.filed_at < hi,
                                                           LeaveReport.status != "cancelled")).all()
    return [Record(at.astimezone(tz)) for at in rows]


def _incidents(session: Session, lo, hi, tz) -> list[IncidentRecord] | None:
    upward = reached_incidents(session)  # delivered (or taken by the city's system) or phoned; a failed one is not
    rows = session.exec(select(Incident.id, Incident.received_at, Incident.category)
                        .where(Incident.received_at >= lo, Incident.received_at < hi)).all()
    out = []
    for iid, at, cat in rows:
        try:
            category = Category(cat)
        except ValueError:
            continue
        out.append(IncidentRecord(at.astimezone(tz), category, iid in upward))
    return out


def _instructions(session: Session, lo, hi, tz) -> list[Record] | None:
    first: dict = {}
    for iid, at in session.exec(select(InstructionItem.instruction_id, InstructionItem.forwarded_at)).all():
        first[iid] = min(first.get(iid, at), at)  # an instruction forwarded to several units counts once
    return [Record(at.astimezone(tz)) for at in first.values() if lo <= at < hi]


def _originals(session: Session, model, lo, hi):
    return session.exec(select(model.held_at).where(col(model.corrects_id).is_(None), model.held_at >= lo,
                                                    model.held_at < hi)).all()


def year_records(session: Session, year: int, tz) -> tuple[dict, list[str]]:
    """The rules' record lists for one year, and the names of sources whose feature is absent."""
    lo, hi = _year_bounds(year, tz)
    missing = []
    sources = {"leave_reports": _leave_reports(session, lo, hi, tz), "incidents": _incidents(session, lo, hi, tz),
               "instructions": _instructions(session, lo, hi, tz)}
    for name, value in list(sources.items()):
        if value is None:
            missing.append(name)
            sources[name] = []
    phone = session.exec(select(PhoneCheck.started_at).where(col(PhoneCheck.corrects_id).is_(None),
                                                             PhoneCheck.started_at >= lo, PhoneCheck.started_at < hi))
    checks = ([CheckRecord(at.astimezone(tz), CheckKind.phone) for at in phone.all()]
              + [CheckRecord(at.astimezone(tz), CheckKind.video) for at in _originals(session, VideoRollCall, lo, hi)]
              + [CheckRecord(at.astimezone(tz), CheckKind.on_site) for at in _originals(session, Inspection, lo, hi)])
    notices = session.exec(select(ReminderNotice.issued_at).where(ReminderNotice.issued_at >= lo,
                                                                  ReminderNotice.issued_at < hi)).all()
    return {**sources, "checks": checks, "notices": [Record(at.astimezone(tz)) for at in notices]}, missing


def yearly(session: Session, year: int, tz) -> tuple[YearFigures, list[str]]:
    """The year's figures (rules.spotchecks.statistics.yearly_figures) and the absent sources."""
    records, missing = year_records(session, year, tz)
    return yearly_figures(year, **records), missing


def paragraph(figures: YearFigures, settings: Settings) -> str:
    """The yearly report's duty paragraph in this office's style (figures written 'N余' per the settings)."""
    approx = frozenset(x.strip() for x in settings.spotchecks.approximate.split(",") if x.strip())
    return duty_paragraph(figures, ParagraphStyle(approximate=approx))


def months(session: Session, year: int, tz) -> list[dict]:
    """Per month: phone checks, pass rate, video dispatches, on-site checks, incidents, response times."""
    records, _ = year_records(session, year, tz)
    lo, hi = _year_bounds(year, tz)
    fails = SpotCheckPolicy().failures
    out = [{"month": m, "phone": 0, "passed": 0, "video": 0, "on_site": 0, "incidents": 0, "answer_s": [],
            "rings": []} for m in range(1, 13)]
    for c in records["checks"]:
        out[c.at.month - 1][c.kind.value] += 1
    for i in records["incidents"]:
        out[i.at.month - 1]["incidents"] += 1
    for c in current_checks(session, since=lo, until=hi):
        m = out[c.started_at.astimezone(tz).month - 1]
        m["passed"] += Outcome(c.outcome) not in fails
        if c.answered_at:
            m["answer_s"].append((c.answered_at - c.started_at).total_seconds())
        if c.rings is not None:
            m["rings"].append(c.rings)
    for m in out:
        m["pass_rate"] = m["passed"] / m["phone"] if m["phone"] else None
        m["pass_rate_text"] = f"{m['pass_rate']:.0%}" if m["pass_rate"] is not None else "—"
        m["median_answer_s"] = round(st.median(m["answer_s"]), 1) if m["answer_s"] else None
        m["mean_rings"] = round(st.mean(m["rings"]), 2) if m["rings"] else None
    return out


def unit_compliance(session: Session, year: int, tz) -> list[dict]:
    """Per unit: pass rate per month (None where it was not checked)."""
    lo, hi = _year_bounds(year, tz)
    fails = SpotCheckPolicy().failures
    cells: dict = defaultdict(lambda: [[0, 0] for _ in range(12)])
    for c in current_checks(session, since=lo, until=hi):
        cell = cells[c.unit_id][c.started_at.astimezone(tz).month - 1]
        cell[0] += 1
        cell[1] += Outcome(c.outcome) not in fails
    names = {u.id: u.name for u in session.exec(select(Unit))}
    return [{"unit": names.get(uid, str(uid)), "rates": [(p / n if n else None) for n, p in row]}
            for uid, row in sorted(cells.items(), key=lambda kv: names.get(kv[0], ""))]
