"""Spot-check console: call-now tasks, results and plans; roll-calls, inspections, circulars, statistics."""
