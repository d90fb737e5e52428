"""Duty rosters (值班表): generation, publication, gaps, views, formats, reminders; and the work around them:
leave reports (请假报备) and leave pairs, swaps (换班), handovers (交接班) and the duty log, the holiday calendar."""
