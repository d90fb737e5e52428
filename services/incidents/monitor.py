"""Nothing silent: alert sources (overdue reports, unreachable targets, exhausted escalations) and metrics."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from models.directory import Unit
from models.incidents.escalation import EscalationState, Notice
from models.incidents.records import Incident, Report
from services import alerts
from services.incidents import deadlines, instructions, reports, targets, upward
from services.incidents.acks import ack_clock_start, first_messages


def overdue_reports(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Report deadlines passed with nothing reported (迟报 in the making); within `scope`, that unit's incidents."""
    n = deadlines.overdue_count(session, now, unit_id=scope)
    if not n:
        return []
    first = deadlines.overdue(session, now, unit_id=scope, limit=1)[0]
    return [alerts.Alert("incident_report_overdue", "critical", f"{n} 项事件报送已超时未报",
                         f"{n} incident report deadline(s) passed", count=n,
                         link=f"/incidents/{first.incident_id}")]


def escalation_problems(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Escalations nobody acknowledged to the end, and targets nobody could resolve (the duty office's to act on)."""
    out = []
    if scope is not None:
        return out
    exhausted = session.exec(select(EscalationState.incident_id).join(Incident).where(
        EscalationState.status == "exhausted", Incident.status == "open", Incident.acknowledged_at.is_(None))).all()
    if exhausted:
        out.append(alerts.Alert("escalation_exhausted", "critical", f"{len(exhausted)} 起事件已通知所有人仍无人确认",
                                f"{len(exhausted)} incident(s) unacknowledged after every step",
                                count=len(exhausted), link=f"/incidents/{exhausted[0]}"))
    missing = session.exec(select(Notice.incident_id).join(Incident).where(
        Notice.purpose == "unresolved", Incident.status == "open", Incident.acknowledged_at.is_(None))
        .distinct()).all()
    if missing:
        out.append(alerts.Alert("escalation_target_missing", "critical",
                                f"{len(missing)} 起事件找不到通知对象（无人在岗或未配置分管领导）",
                                f"{len(missing)} incident(s) with nobody to notify", count=len(missing),
                                link=f"/incidents/{missing[0]}"))
    fallback = session.exec(select(Notice.incident_id).join(Incident).where(
        Notice.purpose == "fallback", Incident.status == "open", Incident.acknowledged_at.is_(None)).distinct()).all()
    if fallback:
        out.append(alerts.Alert("escalation_rules_fallback", "warning",
                                f"{len(fallback)} 起事件有通知对象没有已验证的联系方式或通知规则，已按原方式通知",
                                f"{len(fallback)} incident(s) notified someone without verified contact methods "
                                "or notification rules the old way", count=len(fallback),
                                link=f"/incidents/{fallback[0]}"))
    return out


def upward_failures(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Upward reports that failed (or whose outcome is unknown), neither re-sent nor phoned since."""
    ids = [uuid.UUID(i) for i in targets.upward_reached(session, upward.FAILED) if i]
    failing = []
    for inc in session.exec(select(Incident).where(Incident.id.in_(ids))).all() if ids else []:
        if (scope is None or inc.unit_id == scope) and upward.alarms(session, inc, reports.chain(session, inc.id)):
            failing.append(inc)
    if not failing:
        return []
    return [alerts.Alert("incident_upward_failed", "critical", f"{len(failing)} 起事件向上报送失败，须重新发送或电话报告",
                         f"{len(failing)} incident(s) whose upward report failed", count=len(failing),
                         link=f"/incidents/{failing[0].id}")]


def overdue_instructions(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Forwarded instructions past their feedback deadline; within `scope`, the items forwarded to that unit."""
    rows = [i for i in instructions.overdue_items(session, now) if scope is None or i.unit_id == scope]
    if not rows:
        return []
    return [alerts.Alert("instruction_overdue", "warning", f"{len(rows)} 项批示转办逾期未反馈",
                         f"{len(rows)} forwarded instruction(s) overdue", count=len(rows), link="/incidents/tasks")]


def durations(session: Session) -> dict[str, dict[tuple[str, str], list[float]]]:
    """Seconds from 接报 to first acknowledgement and to 终报, per (grade, unit)."""
    names = {u.id: u.code for u in session.exec(select(Unit))}
    out: dict[str, dict] = {"ack": defaultdict(list), "final": defaultdict(list)}
    finals = {rep.incident_id: rep.reported_at for rep in session.exec(select(Report).where(Report.kind == "final"))}
    first = first_messages(session)
    for inc in session.exec(select(Incident).where(Incident.merged_into_id.is_(None))):  # a source is not timed
        key = (str(inc.grade or "none"), names.get(inc.unit_id, ""))
        if inc.acknowledged_at:
            out["ack"][key].append((inc.acknowledged_at - ack_clock_start(inc, first.get(inc.id))).total_seconds())
        if inc.id in finals:
            out["final"][key].append((finals[inc.id] - inc.received_at).total_seconds())
    return out


def metrics(registry, session: Session, now: datetime) -> None:
    """MTTA and mean time to 终报 per grade and unit, plus open incidents, as Prometheus gauges."""
    from prometheus_client import Gauge

    found = durations(session)
    for name, doc, key in (("dutydesk_incident_mtta_seconds", "mean time from 接报 to acknowledgement", "ack"),
                           ("dutydesk_incident_time_to_final_seconds", "mean time from 接报 to 终报", "final")):
        g = Gauge(name, doc, ["grade", "unit"], registry=registry)
        for (grade, unit), values in found[key].items():
            g.labels(grade, unit).set(sum(values) / len(values))
    open_g = Gauge("dutydesk_incidents_open", "open incidents", registry=registry)
    open_g.set(len(session.exec(select(Incident.id).where(Incident.status == "open")).all()))
