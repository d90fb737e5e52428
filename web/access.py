"""Who may do what: the one role table every route checks.

Permissions are "<area>:<verb>"; later issues add their areas here.
"""

from __future__ import annotations

from models.accounts import EVERYONE, STAFF, Role

PERMISSIONS: dict[str, frozenset[Role]] = {
    "dashboard:read": EVERYONE,
    "live:read": frozenset(Role),  # /events: which topics changed (no data)
    "wall:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor, Role.display}),
    "directory:read": EVERYONE,  # unit reporters see only their own unit
    "directory:write": STAFF,
    # contact methods and notification rules (issue 17): one's own, a unit reporter their unit's people, the office
    # anyone's (decided in services/directory/contacts.py); auditors read
    "contacts:read": EVERYONE,
    "contacts:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "users:read": frozenset({Role.admin}),
    "users:write": frozenset({Role.admin}),
    "tokens:write": frozenset({Role.admin}),
    "account:password": EVERYONE,  # one's own password
    "audit:read": frozenset({Role.admin, Role.auditor}),
    "ops:read": frozenset({Role.admin, Role.duty_officer, Role.auditor}),
    # deliveries (issue 4): message states for staff, channel secrets only ever redacted, an inbox for everyone
    "deliveries:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "channels:read": STAFF,
    "channels:write": frozenset({Role.admin}),
    "inbox:read": EVERYONE,
    # rosters (issue 3): unit reporters manage only their own unit; leaders file their own leave
    "rosters:read": EVERYONE,
    "rosters:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "leaves:read": EVERYONE,
    "leaves:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "leaves:approve": STAFF,
    "leave_pairs:write": STAFF,  # who must not be away together: the duty office decides
    "swaps:read": EVERYONE,
    "swaps:write": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.unit_reporter}),
    "swaps:approve": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "handovers:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "holidays:write": frozenset({Role.admin}),
    # spot checks (issue 6): plans and their times are secret from units
    "spotcheck_plans:read": frozenset({Role.admin, Role.duty_officer, Role.auditor}),
    "spotcheck_plans:write": STAFF,
    "spotchecks:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "spotchecks:write": STAFF,
    "spotchecks:export": frozenset({Role.admin, Role.auditor}),
    "explanations:read": EVERYONE,  # unit reporters see only their own unit's
    "explanations:answer": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "statistics:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    # incidents (issue 5): officers log, unit reporters only for their own unit, leaders acknowledge and instruct
    "incidents:read": EVERYONE,  # unit reporters see only their own unit's
    "incidents:write": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "incidents:grade": STAFF,
    "incidents:ack": frozenset({Role.admin, Role.duty_officer, Role.leader}),
    "instructions:write": frozenset({Role.admin, Role.duty_officer, Role.leader}),
    "instructions:feedback": frozenset({Role.admin, Role.duty_officer, Role.unit_reporter}),
    "instructions:accept": STAFF,
    # escalation policies (issue 17): the duty office edits them; leaders and auditors read them
    "escalation_policies:read": frozenset({Role.admin, Role.duty_officer, Role.leader, Role.auditor}),
    "escalation_policies:write": STAFF,
}


def allowed(role: Role, permission: str) -> bool:
    """True when `role` holds `permission`; unknown permissions are denied."""
    return role in PERMISSIONS.get(permission, frozenset())
