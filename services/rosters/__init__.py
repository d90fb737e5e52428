"""Duty rosters (值班表): generation, publication, gaps, views, formats, reminders.

Importing the package registers its alert sources (gaps, late holiday rosters, overdue 销假).
"""

from services.rosters import deadlines, gaps  # noqa: F401  (alert sources)
