"""Incidents: intake, report chain and deadlines, escalation, acknowledgements, instructions.

Entry points: intake.open_incident, reports.add_report, escalation.tick, acks.acknowledge / use_link,
instructions.record / feedback / decide, sweeps.sweep, board.board / detail. Rosters, leave and the
delivery outbox are reached only through targets.py.
"""

from services.deliveries import ACK_HOOKS
from services.incidents import monitor  # noqa: F401  registers the alert sources
from services.incidents.acks import on_delivery_ack

if on_delivery_ack not in ACK_HOOKS:
    ACK_HOOKS.append(on_delivery_ack)
