"""Roster settings: the `rosters` area of the one Settings class (DUTYDESK_ROSTERS__*)."""

from __future__ import annotations

from core.settings import RosterSettings, get_settings

__all__ = ["RosterSettings", "get_roster_settings"]


def get_roster_settings() -> RosterSettings:
    """The process-wide roster settings."""
    return get_settings().rosters
