"""Roster console: the calendar, gaps and holidays; leave, swaps, handovers and the duty log; leave pairs."""
