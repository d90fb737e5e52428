"""Incidents over REST: `records` (intake, reports, acks, instructions), `policies` (escalation policies, edited
and versioned) and `merge` (likely duplicates and the merge of the same event reported twice)."""
