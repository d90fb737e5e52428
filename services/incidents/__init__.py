"""Incidents: intake, report chain and deadlines, escalation, acknowledgements, instructions.

Entry points: intake.open_incident / update_incident / set_grade / log_call, reports.add_report,
escalation.tick, acks.acknowledge / use_link, instructions.record / feedback / decide, sweeps.sweep,
board.board / detail / open_items / overdue_deadlines, lookups.report_of, brief.send_brief,
policy_edits.list_policies / versions / create / edit / set_enabled (the office's escalation policies: each edit a
new version; policies.rules is what intake selects from), duplicates.of_incident (likely duplicates, 同一事件) and
merge.merge (one incident kept, the other its source: escalation stopped, deadlines closed as merged).

Configuration arrives as `settings: Settings` (never read globally); report deadlines and daily follow-ups
come from report_policies.report_policies(settings). Every operation that reveals or changes unit-scoped data
takes the caller as `by: Actor` and decides itself what it may see and change (lookups.incident_for /
incident_to_change), so the API, the console and the CLI cannot disagree. Rosters, leave and the delivery
outbox are reached only through targets.py; the engine is nudged through wakeups.py.
"""
