"""The fixed points of the duty year, one home for each: the daily handover (交接班) and the flood season (汛期).

DOMAIN.md defaults: handover at 08:30 local (window 08:00–09:00), at least 24 h rest between two shifts of one
person, flood season 04-15..10-15 inclusive. Rosters, leave approval, spot-check plans and duty notices all ask
this module; a unit may override the handover and the window (its policy row), a window may wrap over new year
(e.g. 11-01..02-28 in the south's dry-season duty). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

HANDOVER = time(8, 30)
MIN_REST_HOURS = 24


@dataclass(frozen=True)
class Window:
    """A yearly window of (month, day) bounds, both inclusive; `start` after `end` wraps over new year."""

    start: tuple[int, int]
    end: tuple[int, int]

    def __post_init__(self) -> None:
        for month, day in (self.start, self.end):
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError(f"not a month-day: {month:02d}-{day:02d}")

    def contains(self, d: date) -> bool:
        md = (d.month, d.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end

    def first_day(self, year: int) -> date:
        """The window's start in `year` (Feb 29 falls back to Feb 28 in other years)."""
        month, day = self.start
        try:
            return date(year, month, day)
        except ValueError:
            return date(year, month, 28)

    @property
    def text(self) -> str:
        return f"{self.start[0]:02d}-{self.start[1]:02d}..{self.end[0]:02d}-{self.end[1]:02d}"


FLOOD_SEASON = Window((4, 15), (10, 15))


def parse_month_day(value: str) -> tuple[int, int]:
    """'04-15' -> (4, 15); ValueError on anything else."""
    month, _, day = value.partition("-")
    out = (int(month), int(day))
    Window(out, out)  # validates
    return out
