"""Spot-check tables: plans, planned and recorded phone checks, IVR attempts (checks); roll-calls, inspections, circulars."""
