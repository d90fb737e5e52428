"""The board's order (按紧急程度): overdue first, then the nearest deadline; unacknowledged before acknowledged at
equal urgency; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Urgency:
    """What the board knows of one incident's urgency."""

    closed: bool
    overdue: bool  # a deadline passed with nothing reported, or an upward report that failed
    next_due: datetime | None  # the nearest open deadline
    acknowledged: bool
    grade: int | None  # 1 (I) .. 4 (IV); None: not graded


def board_key(u: Urgency) -> tuple:
    """Sort key: open before closed; overdue first; then the nearest deadline (to the minute: a tie is equal
    urgency), none last; unacknowledged before acknowledged; the more severe grade first."""
    due = (0, u.next_due.replace(second=0, microsecond=0).timestamp()) if u.next_due else (1, 0.0)
    return (u.closed, not u.overdue, due, u.acknowledged, u.grade or 9)
