"""Spot-check API: plans, due checks and results (checks); roll-calls, inspections, circulars, exports (records)."""
