"""A grade change on a running incident: the escalation policy for the new grade, and a correction (更正) to
everyone already told the old grade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from core.settings import Settings
from models.directory import Person
from models.incidents.escalation import EscalationState
from models.incidents.records import Incident
from rules import incidents as r
from rules.incidents import escalation as esc
from services import audit
from services.incidents import convert, policies, told
from services.incidents.wakeups import wake_after_commit



def suggest(category: r.Category, deaths, seriously_injured, economic_loss_yuan, missing=0) -> r.GradeSuggestion:
    """The grade suggestion (rules/incidents/grade.py); unknown figures are left out like 待核实 ones; the missing
    count with the dead, and a missing count not given at all is none."""
    pick = lambda v: r.UNVERIFIED if v is None or v == "待核实" or v is r.UNVERIFIED else v  # noqa: E731
    return r.suggest_grade(category, pick(deaths), pick(seriously_injured), pick(economic_loss_yuan),
                           missing=0 if missing is None else pick(missing))


def resuggest(session: Session, incident: Incident, now: datetime, *, by: str) -> None:
    """New figures on the incident (a 续报, an update): the grading rule again, its suggestion and basis stored and
    the change audited. The grade itself stays the office's call (set_grade); the page asks to re-grade when the
    suggestion is now more severe than the grade."""
    s = suggest(r.Category(incident.category), convert.figure_of(incident, "deaths"),
                convert.figure_of(incident, "seriously_injured"), incident.economic_loss_yuan,
                convert.figure_of(incident, "missing"))
    if s.grade == incident.suggested_grade and s.basis() == (incident.suggested_basis or {}):
        return
    before = {"suggested_grade": incident.suggested_grade, "suggested_reason": incident.suggested_reason}
    incident.suggested_grade, incident.suggested_reason, incident.suggested_basis = s.grade, s.reason, s.basis()
    session.add(incident)
    audit.record(session=session, actor=by, action="resuggest", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, before=before,
                 after={"suggested_grade": s.grade, "suggested_reason": s.reason}, at=now,
                 note=f"新数字重新计算定级建议：{_roman(before['suggested_grade'])}→{_roman(s.grade)}；{s.reason}")


def needs_regrade(incident: Incident) -> bool:
    """The suggestion is more severe than the set grade (Ⅰ is the most severe): the office should re-grade."""
    return (incident.status == "open" and incident.suggested_grade is not None and incident.grade is not None
            and incident.suggested_grade < incident.grade)


def _roman(grade: int | None) -> str:
    return f"{r.Grade(grade).roman}级" if grade else "待定级"


def correction_text(old: int | None, new: int | None) -> str:
    """更正：等级由IV级调整为II级"""
    return f"更正：等级由{_roman(old)}调整为{_roman(new)}"


def on_grade_change(session: Session, incident: Incident, old: int | None, now: datetime, *, by: str,
                    settings: Settings) -> None:
    """Re-select the policy for the new grade; its steps go to the leaders not yet told (nobody twice); those
    already told get the correction. A running (or stopped) escalation is restarted on the new policy at once."""
    if incident.status != "open" or old == incident.grade:
        return
    told_people, by_rules = told.told(session, incident)
    text = correction_text(old, incident.grade)
    stamp = now.strftime("%Y%m%d%H%M%S%f")
    for pid, n in told_people.items():
        person = session.get(Person, pid)
        if person is None:
            continue
        told.tell(session, incident=incident, person=person, notice=n, by_rules=pid in by_rules,
                  key=f"incident:{incident.id}:regrade:{stamp}:{pid}", step="correction", purpose="correction",
                  subject=f"【更正】{incident.title}", body=f"{text}（{incident.title}）。", now=now, settings=settings)
    state = session.get(EscalationState, incident.id)
    policy = esc.select_policy(policies.rules(session), r.Category(incident.category),
                               r.Grade(incident.grade) if incident.grade else None, incident.sensitive)
    old_name = (incident.escalation_policy or {}).get("name")
    if policy.name == old_name or state is None:
        audit.record(session=session, actor=by, action="regrade_notice", entity="incident", entity_id=incident.id,
                     unit_id=incident.unit_id, at=now, note=f"{text}；升级策略不变，已通知{len(told_people)}人")
        return
    snap = esc.snapshot(policy)
    snap["seq_base"] = state.seq  # the new policy's steps count from here (the fencing seq stays monotonic)
    snap["notified_before"] = sorted(str(p) for p in told_people)
    incident.escalation_policy = snap
    incident.acknowledged_at, incident.acknowledged_by = None, ""  # the new grade's leaders must acknowledge
    session.add(incident)
    session.exec(update(EscalationState).where(EscalationState.incident_id == incident.id).values(
        status="active", started_at=now, last_fired_at=None, ack_realerted_at=None, next_due_at=now))
    session.flush()
    wake_after_commit(session, now)
    audit.record(session=session, actor=by, action="regrade_policy", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, at=now,
                 note=f"{text}；升级策略由{old_name}改为{policy.name}；已通知{len(told_people)}人更正")
