"""The report chain (首报 → 续报N → 终报): numbering, 迟报, upward delivery, closing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from core.errors import Conflict, Invalid
from core.settings import Settings
from models.incidents.escalation import EscalationState
from models.incidents.records import Incident, Report
from rules import incidents as r
from rules.incidents.types import CASUALTY_LABELS
from services import audit
from services.access import Actor
from services.incidents import convert, deadlines, escalation, regrade, told, upward
from services.incidents.lookups import CLOCK_SKEW, incident_to_change, require_aware
from services.incidents.schemas import ReportIn

FIRST_FIELDS = ("source", "place", "scope", "measures", "leader_on_site", "reporter", "reporter_contact")
FINAL_FIELDS = ("situation", "handling", "cause", "aftermath")


def chain(session: Session, incident_id) -> list[Report]:
    """The incident's reports in order."""
    return list(session.exec(select(Report).where(Report.incident_id == incident_id)
                             .order_by(Report.reported_at, Report.number)))


def chains(session: Session, incident_ids: list) -> dict:
    """`chain` of many incidents in one query: {incident id: its reports in order}."""
    out: dict = {i: [] for i in incident_ids}
    if incident_ids:
        for rep in session.exec(select(Report).where(Report.incident_id.in_(incident_ids))
                                .order_by(Report.reported_at, Report.number)):
            out[rep.incident_id].append(rep)
    return out


def _elements(incident: Incident, data: ReportIn, figures: dict) -> dict:
    e = {k: (getattr(incident, k) or None) for k in FIRST_FIELDS}
    e.update(received_at=incident.received_at.isoformat(), category=incident.category,
             occurred_at=incident.occurred_at.isoformat() if incident.occurred_at else None,
             casualties={n: str(v) if v is r.UNVERIFIED else v for n, v in figures.items()}, type=incident.type,
             title=incident.title,
             grade=incident.grade)
    for k in FINAL_FIELDS:
        e[k] = (getattr(data, k) or "").strip() or None
    return e


def _check(session: Session, incident: Incident, data: ReportIn, at: datetime, now: datetime) -> None:
    if incident.status == "merged":
        raise Conflict("本事件已并入其他事件，请在保留的事件上报送 (merged: report on the incident kept)", field="kind")
    if incident.status != "open":
        raise Conflict("事件已终报关闭 (incident closed)", field="kind")
    if at < incident.received_at:
        raise Invalid("报送时间早于接报时间 (before 接报)", field="reported_at")
    if at > now + CLOCK_SKEW:
        raise Invalid("时间晚于当前时间 (in the future)", field="reported_at")
    firsts = list(session.exec(select(Report).where(Report.incident_id == incident.id, Report.kind == "first")
                               .order_by(Report.reported_at)))
    first = firsts[0] if firsts else None
    # phone and written are separate obligations: a written 首报 may follow a phone one (not a second of a kind)
    if data.kind == "first" and any(f.channel == data.channel for f in firsts):
        raise Conflict(f"已有{r.ReportChannel(data.channel).label}首报，请报送续报 (first report exists)", field="kind")
    if data.kind != "first" and first is None:
        raise Invalid("须先报送首报 (no first report yet)", field="kind")
    if data.kind == "final" and at < first.reported_at:
        raise Invalid("终报时间早于首报时间 (final before first)", field="reported_at")


def add_report(*, session: Session, incident_id, data: ReportIn, by: Actor, now: datetime, settings: Settings
               ) -> Report:
    """Record a report (the office, or the incident's own unit); missing elements are flagged, never refused.
    终报 closes the incident."""
    incident = incident_to_change(session, incident_id, by, for_update=True)
    at = data.reported_at or now
    require_aware("reported_at", at)
    _check(session, incident, data, at, now)
    stated = {}
    for name, value in data.model_dump(include=set(convert.FIGURES), exclude_unset=True).items():
        value = r.UNVERIFIED if value == "待核实" else value
        if isinstance(value, int) and value < 0:
            raise Invalid(f"{CASUALTY_LABELS[name]}人数不能为负数", field=name)
        if value is not None:
            stated[name] = value
    if data.kind == "followup" and not data.content and not any(getattr(data, k) for k in FINAL_FIELDS) and all(
            convert.figure_of(incident, n) == v for n, v in stated.items()):
        raise Invalid("续报没有内容：请填写内容、处置情况或新的伤亡数字 (an empty follow-up report: write what is new)",
                      field="content")
    latest = session.exec(select(func.max(Report.reported_at)).where(Report.incident_id == incident.id)).one()
    figures = {n: convert.figure_of(incident, n) for n in convert.FIGURES} | stated
    if latest is None or at >= latest:  # the incident's figures are the latest report's (a back-dated one: its own)
        for name, value in stated.items():
            convert.set_figure(incident, name, value)  # the report itself is the follow-up to the change
        if stated:
            regrade.resuggest(session, incident, now, by=by.name)
    if data.kind == "final":
        still = [n for n in convert.FIGURES if figures.get(n) is r.UNVERIFIED]
        if still and not data.confirm_unverified:
            raise Invalid("终报仍有待核实数字：" + "、".join(CASUALTY_LABELS[n] for n in still)
                          + "；请填写核实后的人数，或确认按待核实终报 (figures still unverified in the final report: "
                          + ", ".join(n.replace("_", " ") for n in still)
                          + "; enter the verified counts, or confirm a final report with them unverified)",
                          field=still[0])
    session.add(incident)
    number = 0
    if data.kind == "first":  # the phone and the written 首报: 0 and 1 in the order they came
        number = session.exec(select(func.count()).select_from(Report).where(
            Report.incident_id == incident.id, Report.kind == "first")).one()
    if data.kind == "followup":
        number = 1 + (session.exec(select(func.count()).select_from(Report).where(
            Report.incident_id == incident.id, Report.kind == "followup")).one())
    report = Report(incident_id=incident.id, kind=data.kind, number=number, channel=data.channel,
                    content=data.content, reported_at=at, elements=_elements(incident, data, figures),
                    created_by=by.name)
    report.missing = [e.value for e in r.missing_elements(convert.rule_report(report))]
    session.add(report)
    session.flush()
    report.late_minutes = deadlines.meet(session, incident, report, now, settings=settings)
    if data.kind == "first" or (data.kind == "followup" and report.late_minutes is None):
        deadlines.schedule_daily(session, incident, max(at, now), settings=settings)
    elif data.kind == "followup":
        deadlines.schedule_daily(session, incident, now, settings=settings)
    if data.kind != "final":
        deadlines.unverified_reminders(session, incident, at, settings=settings)
    if data.send_upward and data.channel == "written":
        send_upward(session, incident, report, now, settings)
    told.on_report(session, incident, report, writer=by.person_id, now=now, settings=settings)  # 续报/终报 only
    if data.kind == "final":
        close(session, incident, now)
    elif data.kind == "followup":  # what an acknowledgement timeout waits for: the escalation stops at once
        escalation.settle(session, incident, now)
    session.add(report)
    audit.record(session=session, actor=by.name, action=f"report_{data.kind}", entity="incident_report",
                 entity_id=report.id, unit_id=incident.unit_id, after=report, at=now,
                 note=convert.report_title(report) + (f"，迟报{report.late_minutes}分钟" if report.late_minutes else ""))
    return report


def send_upward(session: Session, incident: Incident, report: Report, now: datetime, settings: Settings) -> None:
    """Deliver the written report to the configured upward recipient (市政府总值班室)."""
    upward.send(session, incident, report, now, settings)


def close(session: Session, incident: Incident, now: datetime) -> None:
    """终报 received: the incident closes and its escalation stops."""
    incident.status, incident.closed_at = "closed", now
    session.add(incident)
    session.exec(update(EscalationState).where(EscalationState.incident_id == incident.id)
                 .values(status="stopped", next_due_at=None))
