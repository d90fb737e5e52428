"""Everything that must not stay silent, gathered in one place.

Each source is a function (session, now, settings) -> list[Alert]; the
dashboard, the logs and /metrics all read `collect`. Later features register
their sources with `@source`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

log = logging.getLogger("dutydesk.alerts")


@dataclass(frozen=True)
class Alert:
    code: str  # stable identifier, also the /metrics label
    severity: str  # "critical" | "warning" | "info"
    text: str  # zh-CN, shown on the console
    text_en: str = ""
    count: int = 1
    link: str = ""
    details: dict = field(default_factory=dict, compare=False, hash=False)


Source = Callable[[Session, datetime, object], list[Alert]]
SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    """Register an alert source."""
    SOURCES.append(fn)
    return fn


def collect(*, session: Session, now: datetime, settings) -> list[Alert]:
    """Every current alert; a failing source becomes an alert itself, never a crash."""
    out: list[Alert] = []
    for fn in SOURCES:
        try:
            out.extend(fn(session, now, settings))
        except Exception as exc:  # one broken source must not hide the others
            log.exception("alert source %s failed", fn.__name__)
            out.append(Alert("alert_source_failed", "warning", f"告警检查 {fn.__name__} 出错：{exc}",
                             f"alert source {fn.__name__} failed: {exc}"))
    return out


@source
def holiday_calendar(session: Session, now: datetime, settings) -> list[Alert]:
    """The statutory-holiday calendar for this year (and next, from Dec 1) must be known."""
    from services.rosters.calendar import load_calendar

    local = now.astimezone(settings.tz).date()
    missing = load_calendar(session=session).missing_years(local)
    if not missing:
        return []
    years = "、".join(str(y) for y in missing)
    return [Alert("holiday_calendar_missing", "warning",
                  f"{years} 年节假日安排缺失：请导入国务院办公厅节假日通知",
                  f"holiday calendar missing for {years}: import the State Council notice",
                  count=len(missing), link="/calendar")]


@source
def audit_chain(session: Session, now: datetime, settings) -> list[Alert]:
    """A broken audit chain, or entries left unsealed (no sealer running), must be seen."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from models.audit import AuditEntry
    from services import audit

    out: list[Alert] = []
    last = audit.last_check(session=session)
    if last is not None and last.problems:
        out.append(Alert("audit_chain_broken", "critical",
                         f"审计链校验发现 {len(last.problems)} 处篡改或缺失（{last.at.astimezone(settings.tz):%m-%d %H:%M}）",
                         f"audit chain check found {len(last.problems)} problems", count=len(last.problems),
                         link="/audit"))
    oldest = session.execute(select(func.min(AuditEntry.at)).where(AuditEntry.chain_pos.is_(None))).scalar()
    if oldest is not None and now - oldest > timedelta(minutes=5):
        out.append(Alert("audit_unsealed", "warning", "审计日志有超过5分钟未封存的记录：引擎可能未运行",
                         "audit entries unsealed for over 5 minutes: is an engine running?", link="/audit"))
    return out
