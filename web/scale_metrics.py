"""Per-instance /metrics for a scaled-out set: instance label, queue depth, step lateness, flow runs.

Every series carries `instance` (Settings.ops.instance or host:pid) so Prometheus scraping several
`dutydesk serve` processes tells them apart. Queue depth and lateness are read from the rows (the
database is the truth), so any instance reports them; flow runs are this process's own counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge, Histogram
from sqlalchemy import func
from sqlmodel import Session, select

from flows import runtime
from models.deliveries import Delivery
from models.incidents.escalation import EscalationState, Notice
from models.incidents.records import Incident
from rules.incidents import escalation as esc

LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
WINDOW = timedelta(minutes=15)  # steps fired this recently feed the lateness histogram


def step_due(policy, started_at: datetime, seq: int, prev_fired_at: datetime | None) -> datetime:
    """When step `seq` was due, by the frozen policy's own rule (rules.incidents.escalation.next_action)."""
    state = esc.EscalationState(started_at, seq, prev_fired_at)
    return esc.next_action(policy, state, datetime.min.replace(tzinfo=UTC)).wake_at


def step_lateness(session: Session, since: datetime) -> list[float]:
    """Seconds each escalation step fired after it was due, for steps fired since `since`."""
    fired = session.exec(select(Notice.incident_id, Notice.step_seq, func.min(Notice.at))
                         .where(Notice.purpose == "escalation", Notice.step_seq.is_not(None),
                                Notice.at >= since - timedelta(hours=1))
                         .group_by(Notice.incident_id, Notice.step_seq)).all()
    by_incident: dict = {}
    for incident_id, seq, at in fired:
        by_incident.setdefault(incident_id, {})[seq] = at
    if not by_incident:
        return []
    rows = session.exec(select(Incident.id, Incident.escalation_policy, EscalationState.started_at)
                        .join(EscalationState, EscalationState.incident_id == Incident.id)
                        .where(Incident.id.in_(list(by_incident)))).all()
    out = []
    for incident_id, policy, started_at in rows:
        steps = by_incident[incident_id]
        for seq, at in steps.items():
            if at < since or (seq > 0 and seq - 1 not in steps):
                continue
            due = step_due(policy, started_at, seq, steps.get(seq - 1))
            out.append(max((at - due).total_seconds(), 0.0))
    return out


def collect(registry, session: Session, now: datetime, *, instance: str, role: str) -> None:
    """Instance info, due work (queue depth), oldest due step, step lateness, flow runs."""
    label = [instance]
    info = Gauge("dutydesk_instance_info", "this process", ["instance", "role"], registry=registry)
    info.labels(instance, role).set(1)
    depth = Gauge("dutydesk_queue_due", "work due now and not yet done", ["instance", "queue"], registry=registry)
    due_deliveries = session.exec(select(func.count()).select_from(Delivery).where(
        Delivery.state == "queued", Delivery.due_at <= now)).one()
    due_steps, oldest = session.exec(select(func.count(), func.min(EscalationState.next_due_at)).where(
        EscalationState.status == "active", EscalationState.next_due_at <= now)).one()
    depth.labels(*label, "deliveries").set(due_deliveries)
    depth.labels(*label, "escalation_steps").set(due_steps)
    Gauge("dutydesk_escalation_oldest_due_seconds", "how long the oldest due escalation step has waited",
          ["instance"], registry=registry).labels(*label).set((now - oldest).total_seconds() if oldest else 0)
    hist = Histogram("dutydesk_escalation_step_lateness_seconds", "fired minus due, steps of the last 15 min",
                     ["instance"], buckets=LATENESS_BUCKETS, registry=registry)
    for seconds in step_lateness(session, now - WINDOW):
        hist.labels(*label).observe(seconds)
    runs = Gauge("dutydesk_flow_runs", "flow runs started by this process", ["instance", "flow", "outcome"],
                 registry=registry)
    for (flow, outcome), n in sorted(runtime.FLOW_RUNS.items()):
        runs.labels(*label, flow, outcome).set(n)


def instance_source(settings):
    """The metric source of this process, labelled with its instance and role."""
    instance, role = settings.instance_label, settings.role
    return lambda registry, session, now: collect(registry, session, now, instance=instance, role=role)
