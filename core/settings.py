"""One Settings class for the whole service (prefix DUTYDESK_, `.env` read).

Nested areas use a double underscore: DUTYDESK_DB__URL, DUTYDESK_WEB__PORT.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-dutydesk-development-only"


class DatabaseSettings(BaseModel):
    url: str = Field("", description="SQLAlchemy URL; empty means a SQLite file (WAL) in the data folder")
    echo: bool = Field(False, description="log every SQL statement")
    pool_size: int = Field(10, ge=1, description="connections per process, and as many again of overflow; web "
                           "requests hold at most pool_size at once, the rest is left to the engine and flows")


class WebSettings(BaseModel):
    host: str = Field("127.0.0.1", description="bind address of `dutydesk serve`")
    port: int = Field(8000, ge=1, le=65535, description="bind port of `dutydesk serve`")
    public_url: str = Field("", description="URL people reach the console at (ack links); default http://host:port")
    secure_cookies: bool = Field(False, description="mark session cookies Secure (behind HTTPS)")
    session_hours: float = Field(12.0, gt=0, description="console session lifetime")
    login_max_failures: int = Field(5, ge=1, description="failed logins for one account from one address before "
                                    "that pair is locked out (other addresses are not); an address alone is locked "
                                    "after four times as many, whatever the accounts")
    login_lockout_minutes: float = Field(15.0, gt=0, description="how long the first lock-out lasts; each further "
                                         "one of the same account and address within a day lasts twice as long "
                                         "(at most 24 h)")
    login_account_max_failures: int = Field(100, ge=1, description=(
        "failed logins for one account from all addresses together (within the lock-out time) before the "
        "account is slowed: then only addresses it has logged in from before (90 days) may try, until a "
        "progressive delay passes; guards against guessing from many addresses without locking the real user "
        "out at their own desk"))
    trusted_proxies: str = Field("", description=(
        "comma-separated addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For / "
        "X-Forwarded-Proto are believed, e.g. 10.0.0.5,172.16.0.0/12; empty: nobody's (the peer's own address "
        "counts for login throttling)"))
    callback_max_receipts: int = Field(100, ge=1, description="receipts one provider callback may carry; more is "
                                       "refused with 413 and nothing applied")
    default_language: Literal["zh-CN", "en"] = Field("zh-CN", description="console language before a user chooses")
    max_body_bytes: int = Field(12 * 1024 * 1024, ge=64 * 1024,
                                description="largest request body `serve` reads (uploads included: keep it above "
                                "spotchecks.attachment_max_bytes); a larger one answers 413 before authentication")
    parse_workers: int = Field(2, ge=1, le=16, description="worker processes that parse uploaded spreadsheets "
                               "(never the web process); at most this many parses run at once")
    parse_queue: int = Field(2, ge=0, le=64, description="uploads that may wait for a parse worker; one more "
                             "answers 503 with Retry-After")
    parse_per_caller: int = Field(2, ge=1, description="parse places (running or waiting) one account may hold at "
                                  "once, so one account cannot take them all")
    parse_seconds: float = Field(30.0, gt=0, description="longest one spreadsheet parse may run; then its worker is "
                                 "stopped and the upload refused (422)")
    live_stream_seconds: float = Field(
        300.0, ge=0, description="a live page's event stream (/events) ends after this long; the browser reconnects "
        "at once, with its session checked again (0: right after the first event)")

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an address or network (a proxy is named by its IP or CIDR; "
                                     "'*' would let anyone choose their own address)") from None
        return value

    @property
    def proxies(self) -> list[str]:
        """trusted_proxies as a list (empty: trust no X-Forwarded-For)."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]


class FlowSettings(BaseModel):
    mode: Literal["embedded", "external", "off"] = Field(
        "embedded",
        description="embedded: serve owns a Prefect server and triggers flows from its clock; "
        "external: flows run on a Prefect server's workers (dutydesk deploy); off: no flows",
    )
    prefect_port: int = Field(4200, ge=1, le=65535, description="port of the embedded Prefect server")


def _minutes(what: str, default: str) -> str:
    return f"{what}, in minutes from 接报; empty: the rule's default ({default})"


class ReportDeadlineSettings(BaseModel):
    """Upward report deadlines (报送时限) and daily follow-ups (续报) where a province asks otherwise (Henan: Ⅳ级 in
    writing within 6 h). Every field empty (None) keeps the rule's own default, whose one home is
    rules/incidents/deadlines.py (DeadlinePolicy, FollowupPolicy); services.incidents.report_policies applies these."""

    grade_i_phone_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅰ级 phone report", "30"))
    grade_i_written_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅰ级 written report", "60"))
    grade_ii_phone_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅱ级 phone report", "30"))
    grade_ii_written_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅱ级 written report", "60"))
    grade_iii_phone_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅲ级 phone report", "none asked"))
    grade_iii_written_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅲ级 written report", "60"))
    grade_iv_phone_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅳ级 phone report", "none asked"))
    grade_iv_written_minutes: int | None = Field(None, ge=1, description=_minutes("Ⅳ级 written report", "120"))
    strict_grade: int | None = Field(None, ge=1, le=4, description="sensitive and 网络舆情 events get at least this "
                                     "grade's deadlines (1-4); empty: the rule's default (3)")
    ungraded_as: int | None = Field(None, ge=1, le=4, description="an incident not yet graded gets this grade's "
                                    "deadlines (1-4); empty: the rule's default (3)")
    followup_min_grade: int | None = Field(None, ge=1, le=4, description="this grade and more severe ones get daily "
                                           "follow-ups (1-4); empty: the rule's default (3)")
    followup_times: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d(,([01]\d|2[0-3]):[0-5]\d)*$",
                                       description="local times of the daily follow-ups, HH:MM,HH:MM; empty: the "
                                       "rule's default (08:00,17:00)")
    unverified_reminder_minutes: int | None = Field(None, ge=1, description="a 待核实 figure is chased this many "
                                                    "minutes after the report carrying it; empty: the rule's default "
                                                    "(60)")
    followup_window_minutes: int | None = Field(None, ge=1, description="a daily follow-up is answered by a 续报 made "
                                                "at most this many minutes before it (and after the previous one); "
                                                "empty: the rule's default (180)")


class DuplicateSettings(BaseModel):
    """Likely duplicates at intake (同一事件多方报告). Every field empty (None) keeps the rule's default, whose one
    home is rules/incidents/duplicates.py (DuplicatePolicy); services.incidents.duplicates applies these."""

    window_minutes: int | None = Field(None, ge=1, description="event times (事发时间, else 接报) this many minutes "
                                       "apart may be one event; empty: the rule's default (180)")
    closed_within_hours: int | None = Field(None, ge=0, description="an incident closed longer ago than this is "
                                            "not suggested; empty: the rule's default (24)")
    min_place_similarity: float | None = Field(None, ge=0, le=1, description="how alike the places must be "
                                               "(0-1, normalised text); empty: the rule's default (0.6)")


class IncidentSettings(BaseModel):
    """Every incident number that is not a pure-rule default; each field says what it does."""

    upward_name: str = Field("市政府总值班室", description="the office reports go upward to (city duty room)")
    upward_channel: str = Field("webhook", description="channel of upward reports")
    upward_address: str = Field("", description="address on that channel (URL, mailbox, group id)")
    office: str = Field("县政府总值班室", min_length=1,
                        description="the office signing the written reports and the duty brief (落款)")
    brief_addressee: str = Field("县委、县政府", min_length=1, description="主送 of the duty brief (.docx)")
    pre_alarm_minutes: int = Field(10, ge=0, description="alarm this long before a report deadline")
    ack_link_hours: float = Field(24.0, gt=0, description="lifetime of a signed acknowledgement link")
    brief_channel: str = Field("wecom", description="channel of the daily duty brief")
    alarm_channel: str = Field("inbox", description="channel of deadline and instruction reminders")
    sweep_seconds: float = Field(2.0, ge=0.5, le=5.0, description="engine backup sweep period")
    deadlines: ReportDeadlineSettings = Field(
        default_factory=ReportDeadlineSettings,
        description="report deadlines and daily follow-ups that differ from the rules' "
        "(DUTYDESK_INCIDENTS__DEADLINES__*)")
    duplicates: DuplicateSettings = Field(
        default_factory=DuplicateSettings,
        description="likely duplicates at intake, where they differ from the rule's "
        "(DUTYDESK_INCIDENTS__DUPLICATES__*)")


class SpotCheckSettings(BaseModel):
    """Every spot-check number in one place; each a configurable default."""

    plan_required: bool = Field(True, description="a manual result must belong to a planned check of that unit")
    min_per_quarter: int = Field(1, ge=1, description="checks per unit per quarter before extra ones")
    voice_channel: str = Field("aliyun_vms", description="delivery channel that places automated calls")
    tts_text: str = Field("这里是县政府值班室抽查，请按1确认在岗", description="what the automated call says")
    key_timeout_seconds: int = Field(30, ge=5, description="a key press within this counts as present")
    require_duty_code: bool = Field(False, description="new plans' automated calls ask for the answerer's duty code "
                                    "(值班识别码) after the confirm key (each plan can change it)")
    duty_code_prompt: str = Field("；按1后请输入您的值班识别码，以井号键结束",
                                  description="what the automated call adds when the plan asks for the duty code")
    retries: int = Field(2, ge=0, description="automated re-calls after the first")
    retry_minutes: int = Field(5, ge=1, description="minutes between automated calls")
    no_receipt_minutes: int = Field(5, ge=1, description="a call without any receipt this long counts as no answer")
    future_grace_seconds: int = Field(60, ge=0, description="clock skew allowed for a result's time")
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest inspection attachment")
    explanation_days: int = Field(10, ge=1, description="days a unit head has for the written explanation")
    approximate: str = Field("leave_reports,public_opinion,instructions_forwarded,phone_checks",
                             description="yearly-report figures written as 'N余' (the seed report's style)")
    report_office: str = Field("城口县人民政府办公室", min_length=1,
                               description="the issuing office named in the yearly report's title and signature")
    report_addressee: str = Field("", description="主送机关 of the yearly report (e.g. 县委、县政府); empty: the "
                                  "duty brief's (DUTYDESK_INCIDENTS__BRIEF_ADDRESSEE)")
    circular_addressee: str = Field("各乡镇人民政府、街道办事处，县政府各部门，有关单位", min_length=1,
                                    description="主送机关 of the monthly circular (通报)")
    circular_code: str = Field("城口府办值", min_length=1, max_length=40,
                               description="机关代字 of the circular's 文号: 城口府办值〔2026〕3号, numbered per "
                               "year of issue from 1, kept once issued")


class RosterSettings(BaseModel):
    """Every roster number that is not a pure-rule default (DOMAIN.md: Rosters, Leave, Reminders)."""

    reminder_at: str = Field("16:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                             description="local time from which tomorrow's duty staff are reminded (HH:MM)")
    reminder_channel: str = Field("inbox", description="channel of duty reminders and duty notices")
    notice_days_before_holiday: int = Field(3, ge=0, le=30,
                                            description="days before a statutory holiday its duty notice goes out")
    weeks_ahead: int = Field(6, ge=1, le=60, description="rosters are kept generated this many weeks ahead")
    gap_horizon_days: int = Field(31, ge=1, le=366, description="roster gaps this many days ahead are alerts")
    holiday_roster_due_days: int = Field(5, ge=0, le=60,
                                         description="a holiday's roster must be published this many days before it")
    holiday_lookahead_days: int = Field(45, ge=1, le=366,
                                        description="holidays this many days ahead are watched for late rosters")
    holiday_swap_lead_days: int = Field(2, ge=0, le=30,
                                        description="holiday swaps must be registered at least this many days ahead")
    generate_chunk: int = Field(100, ge=1, le=2000,
                                description="units generated per transaction in batch runs (memory vs. speed)")
    # Off by default: dutydesk already reminds tomorrow's duty staff itself (reminder_at, reminder_channel), and a
    # second, calendar-made reminder for every subscriber of a unit's feed is noise; an office that relies on
    # phones' calendars instead sets e.g. "20:00" (the evening before a duty).
    ical_alarm_at: str = Field("", pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$",
                               description="iCal feeds: local time on the day before a duty at which subscribers' "
                                           "calendars remind (HH:MM); empty: no alarm in the feed")

    dashboard_on_duty_rows: int = Field(40, ge=1, le=1000,
                                        description="units the dashboard's 当前在岗 lists (problems first); the rest "
                                                    "on /rosters/now")
    wall_on_duty_rows: int = Field(30, ge=1, le=1000, description="units the wall display's 当前在岗 lists")

    @property
    def reminder_time(self) -> time:
        """`reminder_at` as a datetime.time."""
        h, m = (int(x) for x in self.reminder_at.split(":"))
        return time(h, m)

    @property
    def ical_alarm_time(self) -> time | None:
        """`ical_alarm_at` as a datetime.time, None when feeds carry no alarm."""
        if not self.ical_alarm_at:
            return None
        h, m = (int(x) for x in self.ical_alarm_at.split(":"))
        return time(h, m)


class DirectorySettings(BaseModel):
    """Which configured channel (its name, /channels) carries each medium of personal notification rules and
    verification codes; defaults follow the default escalation ladder's names (wecom, sms, voice)."""

    sms_channel: str = Field("sms", description="channel of SMS to a verified mobile")
    voice_channel: str = Field("voice", description="channel of voice calls to a verified mobile or office phone")
    wecom_channel: str = Field("wecom", description="channel of WeCom messages to a verified userid")
    dingtalk_channel: str = Field("dingtalk", description="channel of DingTalk messages to a verified userid")
    feishu_channel: str = Field("feishu", description="channel of Feishu messages to a verified id")
    email_channel: str = Field("email", description="channel of mail to a verified address")

    def channel(self, medium: str) -> str:
        """The channel name of a medium (rules.directory.Medium value)."""
        return getattr(self, f"{medium}_channel")


class OpsSettings(BaseModel):
    """Scaled-out operations: instance label and the escalation dead-man's switch."""

    instance: str = Field("", description="this instance's label in logs, /metrics, claims and dead-man's "
                          "pings (default host:pid)")
    deadman_url: str = Field("", description="URL the engine pings while escalations are on time; empty: off")
    deadman_seconds: float = Field(60.0, ge=1, description="seconds between dead-man's switch pings")
    deadman_late_seconds: float = Field(60.0, ge=1, description="a due escalation step older than this stops the pings")
    metrics_token: SecretStr = Field(SecretStr(""), description="bearer token /metrics requires (Prometheus "
                                      "`authorization: {credentials_file: ...}`); empty: /metrics is open")
    delivery_lease_seconds: float = Field(
        60.0, ge=15, description="a send claimed this long without renewal counts as crashed: marked unknown, "
        "never resent blindly, and its ladder goes on (another engine takes over)")


class PasswordSettings(BaseModel):
    """argon2id cost of account passwords and API tokens; the defaults are argon2-cffi's (RFC 9106 low-memory).
    A stored hash keeps the cost it was made with: changing these affects new passwords only."""

    time_cost: int = Field(3, ge=1, description="argon2 passes over memory")
    memory_kib: int = Field(65536, ge=8, description="argon2 memory per hash, KiB (at least 8 x parallelism)")
    parallelism: int = Field(4, ge=1, description="argon2 lanes (threads) per hash")


class AuditSettings(BaseModel):
    """The audit chain's key and anchors: both kept outside the database (README "Security")."""

    key: SecretStr = Field(SecretStr(""), description="HMAC key of the audit chain (32+ random characters); empty: "
                           "read key_file, created on first use")
    key_file: Path | None = Field(None, description="file holding the key (default <data_dir>/audit.key, mode 0600); "
                                  "keep a copy off this machine")
    anchor_file: Path | None = Field(None, description="append-only file of chain heads (default "
                                     "<data_dir>/audit-anchors.jsonl); keep it where the database's admins cannot write")
    anchor_url: str = Field("", description="optional URL each new anchor is POSTed to (JSON), e.g. another office's "
                            "log collector")
    anchor_every_seconds: float = Field(10.0, ge=0, description="at most one anchor per this many seconds of sealing")


class Settings(BaseSettings):
    """Every setting of dutydesk, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="DUTYDESK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses default secrets"
    )
    data_dir: Path = Field(Path("var"), description="data folder: SQLite file, Prefect state, attachments")
    timezone: str = Field("Asia/Shanghai", description="local time zone for business rules and display")
    secret_key: SecretStr = Field(SecretStr(DEFAULT_SECRET), description="signs ack links and sessions")
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    flows: FlowSettings = Field(default_factory=FlowSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    spotchecks: SpotCheckSettings = Field(default_factory=SpotCheckSettings)
    rosters: RosterSettings = Field(default_factory=RosterSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    role: Literal["all", "web", "engine"] = Field(
        "all", description="what `dutydesk serve` runs: all; web (console/API, no clock); engine (clock, engine parts, "
        "embedded flows); /healthz, /readyz and /metrics on every role")
    log_format: Literal["text", "json"] = Field("text", description="text, or one JSON object per line")
    ops: OpsSettings = Field(default_factory=OpsSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    passwords: PasswordSettings = Field(default_factory=PasswordSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> "Settings":
        if self.environment != "development" and self.environment != "test":
            if self.secret_key.get_secret_value() == DEFAULT_SECRET or len(self.secret_key.get_secret_value()) < 16:
                raise ValueError("DUTYDESK_SECRET_KEY must be set to a random value of 16+ characters outside development")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url(self) -> str:
        return self.db.url or f"sqlite:///{(self.data_dir / 'dutydesk.db').as_posix()}"

    @property
    def audit_key_file(self) -> Path:
        return self.audit.key_file or self.data_dir / "audit.key"

    @property
    def audit_anchor_file(self) -> Path:
        return self.audit.anchor_file or self.data_dir / "audit-anchors.jsonl"

    @property
    def instance_label(self) -> str:
        """This process's name in logs, /metrics, escalation claims and pings: ops.instance, or host:pid."""
        return self.ops.instance or f"{socket.gethostname()}:{os.getpid()}"

    @property
    def public_url(self) -> str:
        return (self.web.public_url or f"http://{self.web.host}:{self.web.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to change them)."""
    return Settings()
