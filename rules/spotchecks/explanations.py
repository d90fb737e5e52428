"""Written explanations (书面说明) a unit head owes after repeated failures: the quarter counted, due, reminded; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo


def quarter_span(year: int, quarter: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of a quarter in local time: the failures an explanation answers for lie in it, whatever `now`."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"no quarter {quarter}")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=tz)
    return start, end


def due_at(requested_at: datetime, days: int) -> datetime:
    """When the explanation is due: `days` after the request."""
    return requested_at + timedelta(days=days)


@dataclass(frozen=True)
class Owed:
    """An explanation request as the reminder rule sees it."""

    answered: bool
    requested_at: datetime
    due_at: datetime | None  # None: a request made before due dates were kept
    reminded_at: datetime | None


def effective_due(req: Owed, days: int) -> datetime:
    return req.due_at or due_at(req.requested_at, days)


def overdue(req: Owed, now: datetime, days: int) -> bool:
    """Past its due date with no explanation recorded."""
    return not req.answered and now >= effective_due(req, days)


def remind_now(req: Owed, now: datetime, days: int) -> bool:
    """Send the head one reminder when the due date passes without an explanation."""
    return overdue(req, now, days) and req.reminded_at is None
