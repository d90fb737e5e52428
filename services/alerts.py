"""Everything that must not stay silent, gathered in one place.

Each source is a function (session, now, settings, scope) -> list[Alert] kept by its
feature; the composition root (`dutydesk/composition.py`) lists them all, and the
dashboard, the logs and /metrics read `collect` over that list. `scope` is the one
unit a unit reporter may see (None: the whole county): a source counts only that
unit's problems, or returns nothing when its alert is the duty office's alone.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
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


Source = Callable[[Session, datetime, object, "uuid.UUID | None"], list[Alert]]


def collect(*, session: Session, now: datetime, settings, sources: Iterable[Source],
            scope: uuid.UUID | None = None) -> list[Alert]:
    """Every current alert of `sources` (within `scope`); a failing source becomes an alert itself, never a crash."""
    out: list[Alert] = []
    for fn in sources:
        try:
            out.extend(fn(session, now, settings, scope))
        except Exception as exc:  # one broken source must not hide the others
            log.exception("alert source %s failed", fn.__name__)
            out.append(Alert("alert_source_failed", "warning", f"告警检查 {fn.__name__} 出错：{exc}",
                             f"alert source {fn.__name__} failed: {exc}"))
    return out
