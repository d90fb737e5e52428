"""Incident tables: incidents and their reports and deadlines, escalation state and acknowledgements, instructions."""
