"""Incident console: the board, intake, the incident page, the acknowledgement page, printouts, dashboard panels."""
