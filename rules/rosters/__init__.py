"""Roster rules, pure: the holiday calendar, rotation, roster policy, leave and absences, reviews of a roster."""
