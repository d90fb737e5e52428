"""Incidents: intake, report chain and deadlines, escalation, acknowledgements, instructions.

Entry points: intake.open_incident, reports.add_report, escalation.tick, acks.acknowledge / use_link,
instructions.record / feedback / decide, sweeps.sweep, board.board / detail. Rosters, leave and the
delivery outbox are reached only through targets.py.
"""
