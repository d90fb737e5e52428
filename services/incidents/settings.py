"""Incident settings (prefix DUTYDESK_INCIDENTS__): upward recipient, alarms, ack links, duty brief."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IncidentSettings(BaseSettings):
    """Every incident number that is not a pure-rule default; each field says what it does."""

    model_config = SettingsConfigDict(env_prefix="DUTYDESK_INCIDENTS__", env_file=".env", extra="ignore")

    upward_name: str = Field("市政府总值班室", description="the office reports go upward to (city duty room)")
    upward_channel: str = Field("webhook", description="channel of upward reports")
    upward_address: str = Field("", description="address on that channel (URL, mailbox, group id)")
    pre_alarm_minutes: int = Field(10, ge=0, description="alarm this long before a report deadline")
    ack_link_hours: float = Field(24.0, gt=0, description="lifetime of a signed acknowledgement link")
    brief_channel: str = Field("wecom", description="channel of the daily duty brief")
    alarm_channel: str = Field("inbox", description="channel of deadline and instruction reminders")
    sweep_seconds: float = Field(2.0, ge=0.5, le=5.0, description="engine backup sweep period")
    instance: str = Field("", description="this engine instance's name in claims (default: host:pid)")


@lru_cache
def get_incident_settings() -> IncidentSettings:
    """The process-wide incident settings."""
    return IncidentSettings()
