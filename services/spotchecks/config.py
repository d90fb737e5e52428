"""Spot-check settings (env prefix DUTYDESK_SPOTCHECKS_); defaults follow DOMAIN.md."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.spotcheck import SpotCheckPolicy


class SpotCheckSettings(BaseSettings):
    """Every spot-check number in one place; each a configurable default."""

    model_config = SettingsConfigDict(env_prefix="DUTYDESK_SPOTCHECKS_", extra="ignore")

    plan_required: bool = Field(True, description="a manual result must belong to a planned check of that unit")
    min_per_quarter: int = Field(1, ge=1, description="checks per unit per quarter before extra ones")
    voice_channel: str = Field("aliyun_vms", description="delivery channel that places automated calls")
    tts_text: str = Field("这里是县政府值班室抽查，请按1确认在岗", description="what the automated call says")
    key_timeout_seconds: int = Field(30, ge=5, description="a key press within this counts as present")
    retries: int = Field(2, ge=0, description="automated re-calls after the first")
    retry_minutes: int = Field(5, ge=1, description="minutes between automated calls")
    no_receipt_minutes: int = Field(5, ge=1, description="a call without any receipt this long counts as no answer")
    future_grace_seconds: int = Field(60, ge=0, description="clock skew allowed for a result's time")
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest inspection attachment")
    explanation_days: int = Field(10, ge=1, description="days a unit head has for the written explanation")
    approximate: str = Field("leave_reports,public_opinion,instructions_forwarded,phone_checks",
                             description="yearly-report figures written as 'N余' (the seed report's style)")

    def policy(self) -> SpotCheckPolicy:
        """The rules' policy with this deployment's IVR numbers."""
        return SpotCheckPolicy(ivr_key_timeout_seconds=self.key_timeout_seconds, ivr_retries=self.retries,
                               ivr_retry_minutes=self.retry_minutes)


@lru_cache
def get_config() -> SpotCheckSettings:
    """The process-wide spot-check settings."""
    return SpotCheckSettings()
