"""Intake (接报登记): validate, suggest a grade, open the incident with its deadlines and escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.errors import Invalid
from core.settings import Settings
from models.directory import Unit
from models.incidents.escalation import EscalationState
from models.incidents.records import Incident, PhoneLog
from rules import incidents as r
from rules.incidents import escalation as esc
from rules.incidents.types import CASUALTY_LABELS
from services import audit
from services.access import Actor
from services.incidents import convert, deadlines, policies, regrade, reports
from services.incidents.lookups import CLOCK_SKEW, incident_for, incident_to_change, require_aware
from services.incidents.schemas import GradeIn, IncidentIn, IncidentUpdate, PhoneLogIn, ReportIn
from services.incidents.wakeups import wake_after_commit

_STATE_INSERT = EscalationState.__table__.insert()


def _unit(session: Session, data: IncidentIn, by: Actor) -> Unit:
    """The reporting unit: a unit reporter reports for their own unit only (theirs when none is named)."""
    unit = None
    if data.unit_id is not None:
        by.check_own_unit(data.unit_id, field="unit_id")
        unit = session.get(Unit, data.unit_id)
    elif data.unit_code:
        unit = session.exec(select(Unit).where(Unit.code == data.unit_code)).first()
        if unit is not None:
            by.check_own_unit(unit.id, field="unit_code")
    elif by.scope is not None:
        unit = session.get(Unit, by.scope)
    else:
        raise Invalid("须填写报告单位 (unit required)", field="unit_id")
    if unit is None or not unit.active:
        raise Invalid("报告单位不存在或已停用 (unknown unit)", field="unit_id" if data.unit_id else "unit_code")
    return unit


def _figure(value):
    return r.UNVERIFIED if value == "待核实" else value


def _raise_problems(problems: list[r.Problem]) -> None:
    if problems:
        p = problems[0]
        raise Invalid(p.reason, field=p.field.removeprefix("casualties."))


suggest = regrade.suggest


def open_incident(*, session: Session, data: IncidentIn, by: Actor, now: datetime, settings: Settings,
                  policy_rules: list[esc.PolicyRule] | None = None) -> Incident:
    """Log an incident; missing elements never block it. Opens deadlines and the escalation.

    Only the duty office confirms a grade: from anyone else a grade is a proposal, noted in the audit log, and
    the incident keeps the suggested grade until the office grades it (set_grade)."""
    require_aware("received_at", data.received_at)
    require_aware("occurred_at", data.occurred_at)
    unit = _unit(session, data, by)
    for name in convert.FIGURES:
        v = getattr(data, name)
        if isinstance(v, int) and v < 0:
            raise Invalid(f"{CASUALTY_LABELS[name]}人数不能为负数", field=name)
    if data.economic_loss_yuan is not None and data.economic_loss_yuan < 0:
        raise Invalid("经济损失不能为负数", field="economic_loss_yuan")
    s = suggest(data.category, data.deaths, data.seriously_injured, data.economic_loss_yuan, data.missing)
    confirmed = data.grade if by.office else None
    grade = r.Grade(confirmed) if confirmed else s.grade
    values = data.model_dump(exclude={"unit_id", "unit_code", "grade", "first_report", "first_report_channel",
                                      *convert.FIGURES})
    if not confirmed:
        values["grade_override_reason"] = ""
    incident = Incident(**values, unit_id=unit.id, suggested_grade=s.grade, suggested_reason=s.reason,
                        suggested_basis=s.basis(), grade=grade, created_by=by.name)
    incident.category = data.category.value
    for name in convert.FIGURES:
        convert.set_figure(incident, name, _figure(getattr(data, name)))
    _raise_problems(r.validate_incident(convert.rule_incident(incident), now=now + CLOCK_SKEW))
    policy = esc.select_policy(policy_rules or policies.rules(session), data.category, grade, data.sensitive)
    incident.escalation_policy = esc.snapshot(policy)
    due = incident.received_at + timedelta(minutes=policy.start_delay_minutes)
    session.add(incident)
    session.flush()  # the incident first: its children's foreign keys need it (no ORM relationships here)
    # the escalation row and deadlines as Core INSERTs: written once here, read by the engine, no ORM objects
    # needed (on SQLite every statement runs under the write lock, so intake keeps to a few, reads nothing back)
    session.connection().execute(_STATE_INSERT, dict(
        incident_id=incident.id, started_at=incident.received_at, seq=0, last_fired_at=None, next_due_at=due,
        status="active", claimed_by="", claimed_at=None))
    deadlines.insert_initial(session, incident, now, settings=settings)
    proposed = f"；所报{r.Grade(data.grade).roman}级待值班室定级" if data.grade and not confirmed else ""
    audit.record(session=session, actor=by.name, action="create", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, after=incident, at=now,
                 note=f"接报登记；建议{s.grade.label if s.grade else '人工定级'}{proposed}；升级策略 {policy.name}")
    wake_after_commit(session, due)
    if data.first_report:
        reports.add_report(session=session, incident_id=incident.id, by=by, now=now, settings=settings,
                           data=ReportIn(kind="first", channel=data.first_report_channel, reported_at=now))
    return incident


def set_grade(*, session: Session, incident_id, data: GradeIn, by: Actor, now: datetime, settings: Settings
              ) -> Incident:
    """Confirm or override the grade (a different grade needs a reason); deadlines follow it. The office's call."""
    incident = incident_for(session, incident_id, by)
    by.require_office("确认事件等级 (only the duty office grades an incident)", field="grade")
    if data.grade != incident.suggested_grade and not data.reason.strip() and incident.suggested_grade:
        raise Invalid("调整建议等级须说明理由 (an override needs a reason)", field="reason")
    before = audit.jsonable(incident)
    old_grade = incident.grade
    incident.grade, incident.grade_confirmed_at = data.grade, now
    incident.grade_override_reason = data.reason.strip() if data.grade != incident.suggested_grade else ""
    session.add(incident)
    deadlines.regrade(session, incident, now, settings=settings)
    audit.record(session=session, actor=by.name, action="grade", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, before=before, after=incident, at=now, note=data.reason)
    regrade.on_grade_change(session, incident, old_grade, now, by=by.name, settings=settings)
    return incident


def update_incident(*, session: Session, incident_id, data: IncidentUpdate, by: Actor, now: datetime,
                    settings: Settings) -> Incident:
    """New facts (the office, or the incident's own unit); a casualty change asks for an immediate 续报, a 待核实
    figure for a reminder."""
    incident = incident_to_change(session, incident_id, by)
    if incident.status == "merged":
        raise Invalid("本事件已并入其他事件，请修改保留的事件 (merged: change the incident kept)", field="incident_id")
    if incident.status != "open":
        raise Invalid("事件已终报关闭 (closed)", field="incident_id")
    before_cas = convert.casualties_of(incident)
    before = audit.jsonable(incident)
    changes = data.model_dump(exclude_unset=True)
    for name in convert.FIGURES:
        if name in changes:
            v = _figure(changes.pop(name))
            if isinstance(v, int) and v < 0:
                raise Invalid(f"{CASUALTY_LABELS[name]}人数不能为负数", field=name)
            convert.set_figure(incident, name, v)
    for key, value in changes.items():
        if value is not None:
            setattr(incident, key, value)
    session.add(incident)
    session.flush()
    deadlines.on_casualties(session, incident, before_cas, now, settings=settings)
    audit.record(session=session, actor=by.name, action="update", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, before=before, after=incident, at=now)
    regrade.resuggest(session, incident, now, by=by.name)
    return incident


def log_call(*, session: Session, data: PhoneLogIn, by: Actor, now: datetime) -> PhoneLog:
    """Record a phone call in the intake log (来电登记); a call about an incident goes on that incident, so only
    those who may change it (the office, its own unit's reporter) may log it there."""
    require_aware("at", data.at)
    if data.at > now + CLOCK_SKEW:
        raise Invalid("时间晚于当前时间 (in the future)", field="at")
    unit_id = None
    if data.incident_id is not None:
        unit_id = incident_to_change(session, data.incident_id, by).unit_id
    row = PhoneLog(**data.model_dump(), recorder=by.name)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=by.name, action="create", entity="phone_log", entity_id=row.id,
                 unit_id=unit_id, after=row, at=now)
    return row
