"""Times people type (console filters, CLI options): office time unless a zone is written, within the service's era.

One reading for every typed time, so that `0001-01-01` or `9999-12-31 23:59` is a clear refusal everywhere instead of
an OverflowError when it is converted to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rules.incidents.types import YEARS

FORM = "时间格式应为 年-月-日 时:分（如 2026-12-01 08:00）"
ERA = f"超出合理范围（{YEARS[0]}—{YEARS[1]}年）"


def office_time(text: str | None, tz: tzinfo) -> datetime | None:
    """'2026-12-01 08:00' (office time) or an ISO time with its zone, as UTC; None when empty.
    ValueError with a zh-CN reason (FORM, or the era's) otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(FORM) from None
    if not YEARS[0] <= at.year <= YEARS[1]:
        raise ValueError(f"时间{ERA}")
    return (at if at.tzinfo else at.replace(tzinfo=tz)).astimezone(UTC)


def in_era(year: int) -> bool:
    return YEARS[0] <= year <= YEARS[1]
