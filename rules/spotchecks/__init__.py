"""Spot-check rules, pure: outcomes and the IVR decision, planning, the yearly statistics."""
