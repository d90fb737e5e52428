"""Escalations with a fixed person target and a short policy, opened through the incidents service."""

from __future__ import annotations

from datetime import datetime

from core.settings import Settings
from rules.incidents import escalation as esc
from services.access import Actor
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn


def person_policy(person_id, *, steps: int = 2, wait_minutes: float = 0.05, channel: str = "inbox",
                  start_delay_minutes: float = 0) -> list[esc.PolicyRule]:
    """One rule for every incident: `steps` steps to one person on `channel`, `wait_minutes` apart."""
    target = (esc.Target(esc.TargetKind.person, str(person_id)),)
    policy = esc.EscalationPolicy("scale-test", tuple(esc.Step(target, (channel,), wait_minutes) for _ in range(steps)),
                                  start_delay_minutes=start_delay_minutes)
    return [esc.PolicyRule(policy)]


def open_escalation(session, *, unit_id, person_id, now: datetime, title: str = "山体滑坡", **policy):
    """Open one incident whose escalation notifies `person_id` (first step due at `now` + start delay)."""
    data = IncidentIn(title=title, category="natural_disaster", unit_id=unit_id, received_at=now, grade=4, deaths=0)
    return open_incident(session=session, by=Actor.system("test"), now=now, data=data,
                         settings=Settings(environment="test"), policy_rules=person_policy(person_id, **policy))
