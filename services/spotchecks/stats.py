"""Statistics from the database into rules.spotchecks.statistics: yearly figures, monthly series, incidents by
category, checks per quarter and per unit, per-unit compliance. Each figure of the yearly report (its tables and
its charts alike) is computed here, once."""

from __future__ import annotations

import statistics as st
from collections import Counter, defaultdict
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from core.settings import Settings
from models.directory import Person, Unit
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
    LeaveRecord,
    ParagraphStyle,
    Record,
    YearFigures,
    counted_as,
    duty_paragraph,
    yearly_figures,
)
from services.incidents.upward import reached_incidents
from services.spotchecks.results import current_checks


def _year_bounds(year: int, tz) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz).astimezone(UTC), datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)


def _leave_reports(session: Session, lo, hi, tz) -> list[LeaveRecord] | None:
    # formal: filed for a leading cadre (the leave feature files others' leave as absences, not 请假报备)
    rows = session.exec(select(LeaveReport.filed_at, Person.is_leading_cadre)
                        .join(Person, Person.id == LeaveReport.person_id)
                        .where(LeaveReport.filed_at >= lo, LeaveReport.filed_at < hi,
                               LeaveReport.status != "cancelled")).all()
    return [LeaveRecord(at.astimezone(tz), bool(formal)) for at, formal in rows]


def _incidents(session: Session, lo, hi, tz) -> list[IncidentRecord] | None:
    upward = reached_incidents(session)  # delivered (or taken by the city's system) or phoned; a failed one is not
    # a merged incident (同一事件, another source) is counted once, as the incident kept: reported upward when any of
    # its sources was
    for src, kept in session.exec(select(Incident.id, Incident.merged_into_id)
                                  .where(col(Incident.merged_into_id).is_not(None))).all():
        if src in upward:
            upward.add(kept)
    rows = session.exec(select(Incident.id, Incident.received_at, Incident.category)
                        .where(Incident.received_at >= lo, Incident.received_at < hi,
                               col(Incident.merged_into_id).is_(None))).all()
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
    # the regulation is the issuing office's own (《XX县人民政府办公室政府系统值班工作规范》), not the sample county's
    regulation = f"{settings.spotchecks.report_office}政府系统值班工作规范"
    return duty_paragraph(figures, ParagraphStyle(approximate=approx, regulation=regulation))


def months(session: Session, year: int, tz) -> list[dict]:
    """Per month: phone checks, pass rate, video dispatches, on-site checks, incidents and 网络舆情 (apart, as in the
    year's figures), response times."""
    records, _ = year_records(session, year, tz)
    lo, hi = _year_bounds(year, tz)
    fails = SpotCheckPolicy().failures
    out = [{"month": m, "phone": 0, "passed": 0, "video": 0, "on_site": 0, "incidents": 0, "public_opinion": 0,
            "answer_s": [], "rings": []} for m in range(1, 13)]
    for c in records["checks"]:
        out[c.at.month - 1][c.kind.value] += 1
    for i in records["incidents"]:
        out[i.at.month - 1]["public_opinion" if counted_as(i) == "public_opinion" else "incidents"] += 1
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


def _rate(passed: int, checks: int) -> dict:
    rate = passed / checks if checks else None
    return {"checks": checks, "passed": passed, "failed": checks - passed, "pass_rate": rate,
            "pass_rate_text": f"{rate:.0%}" if rate is not None else "—"}


def categories(session: Session, year: int, tz) -> list[dict]:
    """Incidents received in the year per category (every category, in its order; 网络舆情 is one of them)."""
    records, _ = year_records(session, year, tz)
    counts = {c: 0 for c in Category}
    for i in records["incidents"]:
        counts[i.category] += 1
    return [{"category": c.value, "label": c.label, "count": n} for c, n in counts.items()]


def quarters(session: Session, year: int, tz) -> list[dict]:
    """Phone checks per quarter: checks, passed, failed, pass rate (results in force)."""
    lo, hi = _year_bounds(year, tz)
    fails = SpotCheckPolicy().failures
    cells = [[0, 0] for _ in range(4)]
    for c in current_checks(session, since=lo, until=hi):
        cell = cells[(c.started_at.astimezone(tz).month - 1) // 3]
        cell[0] += 1
        cell[1] += Outcome(c.outcome) not in fails
    return [{"quarter": q + 1, **_rate(p, n)} for q, (n, p) in enumerate(cells)]


def units(session: Session, year: int, tz) -> list[dict]:
    """Phone checks per unit over the year: checks, passed, failed, pass rate; units by name."""
    lo, hi = _year_bounds(year, tz)
    fails = SpotCheckPolicy().failures
    cells: dict = defaultdict(lambda: [0, 0])
    for c in current_checks(session, since=lo, until=hi):
        cells[c.unit_id][0] += 1
        cells[c.unit_id][1] += Outcome(c.outcome) not in fails
    names = {u.id: u.name for u in session.exec(select(Unit))}
    return sorted(({"unit": names.get(uid, str(uid)), **_rate(p, n)} for uid, (n, p) in cells.items()),
                  key=lambda r: r["unit"])


def outcome_counts(session: Session, year: int, tz) -> dict[str, int]:
    """The year's phone checks per outcome (results in force), each outcome counted apart, most frequent first."""
    lo, hi = _year_bounds(year, tz)
    counts = Counter(c.outcome for c in current_checks(session, since=lo, until=hi))
    return dict(counts.most_common())
