"""Likely duplicates at intake (同一事件多方报告): the same event reported by another unit or source; pure.

A candidate is suggested when it has the same category, a place written alike (normalised: width, spaces,
punctuation, the 镇/乡/村… words of the administrative levels), an event time (事发时间, else 接报) within the
window of the new report's, and it is neither merged into another incident nor closed long ago. Suggestions
only: the officer decides, and may still log the new incident on its own.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

# words of the administrative levels, longest first: "青山镇石门村" and "青山 石门" are the same place
ADMIN_WORDS = ("村民委员会", "居民委员会", "村委会", "居委会", "街道办", "街道", "社区", "片区", "镇", "乡", "村", "组")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class DuplicatePolicy:
    """The numbers of the rule; every one a configurable default (settings.incidents.duplicates)."""

    window_minutes: int = 180  # event times this close are the same event
    closed_within_hours: int = 24  # an incident closed (终报) longer ago than this is not suggested
    min_place_similarity: float = 0.6  # 0..1 on the normalised place text
    limit: int = 5  # suggestions shown


@dataclass(frozen=True)
class Report:
    """What the rule knows of one incident, the new one or a candidate."""

    id: uuid.UUID | None
    category: str
    place: str
    received_at: datetime
    occurred_at: datetime | None = None
    unit_id: uuid.UUID | None = None
    source: str = ""
    status: str = "open"  # open | closed | merged
    closed_at: datetime | None = None
    merged: bool = False

    @property
    def event_at(self) -> datetime:
        """事发时间 when known, else 接报."""
        return self.occurred_at or self.received_at


@dataclass(frozen=True)
class Match:
    """A suggested duplicate: `score` 0..1 (higher first), and why, as data."""

    id: uuid.UUID
    score: float
    place_similarity: float
    minutes_apart: int
    other_unit: bool
    other_source: bool


def normalise_place(text: str) -> str:
    """The place as compared: full-width folded (NFKC), no spaces or punctuation, no 镇/乡/村… words."""
    s = _PUNCT.sub("", unicodedata.normalize("NFKC", text or "")).lower()
    for word in ADMIN_WORDS:
        s = s.replace(word, "")
    return s


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s} if s else set()


def place_similarity(a: str, b: str) -> float:
    """0..1: 1 when one normalised place contains the other (a village named without its town), else the Dice
    coefficient of their character pairs. Two empty places are unknown (0), not alike."""
    x, y = normalise_place(a), normalise_place(b)
    if not x or not y:
        return 0.0
    if x == y or (min(len(x), len(y)) >= 2 and (x in y or y in x)):
        return 1.0
    bx, by = _bigrams(x), _bigrams(y)
    return 2 * len(bx & by) / (len(bx) + len(by)) if bx and by else 0.0


def _eligible(c: Report, new: Report, now: datetime, policy: DuplicatePolicy) -> bool:
    if c.id is not None and c.id == new.id:
        return False
    if c.merged or c.status == "merged" or c.category != new.category:
        return False
    if c.status == "closed":
        return c.closed_at is not None and now - c.closed_at <= timedelta(hours=policy.closed_within_hours)
    return True


def likely_duplicates(new: Report, candidates: list[Report], now: datetime,
                      policy: DuplicatePolicy = DuplicatePolicy()) -> list[Match]:
    """The candidates that are likely the same event as `new`, most alike first (at most `policy.limit`)."""
    window = timedelta(minutes=policy.window_minutes)
    out = []
    for c in candidates:
        if not _eligible(c, new, now, policy):
            continue
        apart = abs(c.event_at - new.event_at)
        if apart > window:
            continue
        similar = place_similarity(c.place, new.place)
        if similar < policy.min_place_similarity:
            continue
        closeness = 1 - apart / window if window else 1.0
        out.append(Match(c.id, round(0.6 * similar + 0.4 * closeness, 3), round(similar, 3),
                         int(apart.total_seconds() // 60),
                         other_unit=c.unit_id != new.unit_id,
                         other_source=(c.source or "").strip() != (new.source or "").strip()))
    out.sort(key=lambda m: (-m.score, m.minutes_apart))
    return out[:policy.limit]
