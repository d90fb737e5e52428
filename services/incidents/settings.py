"""Incident settings: the `incidents` area of the one Settings class (DUTYDESK_INCIDENTS__*)."""

from __future__ import annotations

from core.settings import IncidentSettings, get_settings

__all__ = ["IncidentSettings", "get_incident_settings"]


def get_incident_settings() -> IncidentSettings:
    """The process-wide incident settings."""
    return get_settings().incidents
