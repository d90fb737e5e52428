"""Roster API: months, posts and pools (months), leave and swaps, leave pairs, files (handovers, holidays, Excel, iCal)."""
