"""Engine part: the dead-man's switch — ping a URL only while escalations are on time.

As Grafana OnCall's escalation auditor does: an outside monitor (healthchecks.io, a Prometheus
blackbox, a county's own watchdog) alarms when the pings stop, which happens when every engine
is dead, the database is unreachable, or a due escalation step has waited too long.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from models.incidents.escalation import EscalationState

log = logging.getLogger("dutydesk.engine.deadman")


def escalations_on_time(session: Session, now: datetime, late_seconds: float) -> tuple[bool, float]:
    """(on time?, seconds the oldest due step has waited): on time when no due step is older than the limit."""
    oldest = session.exec(select(func.min(EscalationState.next_due_at)).where(
        EscalationState.status == "active", EscalationState.next_due_at <= now)).one()
    waited = (now - oldest).total_seconds() if oldest else 0.0
    return waited <= late_seconds, waited


class DeadmanSwitch:
    """One check-and-ping per wake-up; a failing check or ping is logged, never raised."""

    def __init__(self, db_engine, url: str, late_seconds: float, *, instance: str = "",
                 now=lambda: datetime.now(UTC), timeout: float = 5.0) -> None:
        self.db_engine, self.url, self.late_seconds, self.instance = db_engine, url, late_seconds, instance
        self.now, self.timeout = now, timeout
        self.pings = 0
        self.withheld = 0

    def check(self) -> bool:
        """Ping when escalations are on time; True when a ping went out and was answered 2xx."""
        try:
            with Session(self.db_engine) as session:
                ok, waited = escalations_on_time(session, self.now(), self.late_seconds)
        except Exception as exc:  # no database, no ping: the monitor raises the alarm
            log.error("dead-man's switch: database check failed (%s); not pinging", exc)
            self.withheld += 1
            return False
        if not ok:
            log.error("dead-man's switch: an escalation step has waited %.0f s (limit %.0f s); not pinging",
                      waited, self.late_seconds)
            self.withheld += 1
            return False
        try:
            r = httpx.get(self.url, params={"instance": self.instance} if self.instance else None,
                          timeout=self.timeout)
            r.raise_for_status()
        except httpx.HTTPError as exc:
            log.error("dead-man's switch: ping to %s failed: %s", self.url, exc)
            return False
        self.pings += 1
        return True


def start(clock, settings, db_engine) -> DeadmanSwitch | None:
    """Engine part: ping every `ops.deadman_seconds` when `ops.deadman_url` is set."""
    if not settings.ops.deadman_url:
        return None
    switch = DeadmanSwitch(db_engine, settings.ops.deadman_url, settings.ops.deadman_late_seconds,
                           instance=settings.instance_label)
    clock.every(settings.ops.deadman_seconds, switch.check, "ops:deadman")
    clock.scheduler.add_job(switch.check, id="ops:deadman:first")  # at once, not one period after start
    log.info("dead-man's switch: pinging %s every %.0f s while escalations are on time",
             settings.ops.deadman_url, settings.ops.deadman_seconds)
    return switch
