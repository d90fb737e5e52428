"""Spot-check settings: the `spotchecks` area of the one Settings class (DUTYDESK_SPOTCHECKS__*)."""

from __future__ import annotations

from core.settings import SpotCheckSettings, get_settings

__all__ = ["SpotCheckSettings", "get_config"]


def get_config() -> SpotCheckSettings:
    """The process-wide spot-check settings."""
    return get_settings().spotchecks
