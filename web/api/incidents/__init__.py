"""Incidents over REST: `records` (intake, reports, acks, instructions, policies) and `merge` (likely duplicates
and the merge of the same event reported twice)."""
