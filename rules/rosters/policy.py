"""Per-unit roster policy (排班规则) as plain data, and the questions it answers.

Every number is a DOMAIN.md default and can be overridden per unit: handover
and flood season from rules/rosters/seasons.py, 24 h slots, 1 duty leader
(带班领导) + 1 duty officer (值班员), 2 officers on statutory holidays and in
flood season. Pure: no clock, no I/O; dates, instants and the zone are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules.rosters.calendar import DayKind, HolidayCalendar
from rules.rosters.seasons import FLOOD_SEASON, HANDOVER, MIN_REST_HOURS, Window


class DayClass(StrEnum):
    """The fairness class of a day: balanced separately from each other."""

    workday = "workday"  # incl. make-up workdays (调休上班)
    weekend = "weekend"
    holiday = "holiday"  # statutory holiday (法定节假日)


DAY_CLASS_ZH = {DayClass.workday: "工作日", DayClass.weekend: "周末", DayClass.holiday: "节假日"}


@dataclass(frozen=True)
class PostRule:
    """One post of a unit's roster and its head-counts per slot."""

    name: str  # "leader", "officer", or any post the unit defines
    label: str = ""  # zh-CN, e.g. 带班领导
    count: int = 1
    holiday_count: int | None = None  # None: same as count
    flood_count: int | None = None  # None: same as count


DEFAULT_POSTS = (
    PostRule("leader", "带班领导", 1),
    PostRule("officer", "值班员", 1, holiday_count=2, flood_count=2),
)


@dataclass(frozen=True, kw_only=True)
class RosterPolicy:
    """A unit's roster settings; frozen so it can be snapshotted and hashed. `tz`: the deployment's zone."""

    tz: str
    unit: str = ""
    handover: time = HANDOVER
    slot_hours: int = 24
    posts: tuple[PostRule, ...] = DEFAULT_POSTS
    flood: Window = FLOOD_SEASON  # inclusive; may wrap over new year
    min_rest_hours: int = MIN_REST_HOURS  # between the end of one shift and the start of the next
    leader_stays_in_room: bool = True  # on holidays and in flood season
    leader_post: str = "leader"
    max_debt: int = 3  # turns a skipped person may be owed per day-class
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.slot_hours <= 0 or 24 % self.slot_hours:
            raise ValueError(f"slot_hours must divide 24, got {self.slot_hours}")
        names = [p.name for p in self.posts]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate post names in {names}")
        for p in self.posts:
            for n in (p.count, p.holiday_count, p.flood_count):
                if n is not None and n < 0:
                    raise ValueError(f"negative head-count for post {p.name}")
        if self.min_rest_hours < 0 or self.max_debt < 0:
            raise ValueError("min_rest_hours and max_debt must be >= 0")
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def slots_per_day(self) -> int:
        return 24 // self.slot_hours

    def post(self, name: str) -> PostRule:
        """The rule for post `name` (KeyError if the unit has no such post)."""
        for p in self.posts:
            if p.name == name:
                return p
        raise KeyError(name)


def day_class(calendar: HolidayCalendar, d: date) -> DayClass:
    """Workday / weekend / holiday for fairness; make-up workdays count as workdays."""
    kind = calendar.day(d).kind
    if kind is DayKind.holiday:
        return DayClass.holiday
    return DayClass.weekend if kind is DayKind.weekend else DayClass.workday


def in_flood_season(policy: RosterPolicy, d: date) -> bool:
    """True when `d` lies in the unit's flood-season window (inclusive)."""
    return policy.flood.contains(d)


def required_count(policy: RosterPolicy, calendar: HolidayCalendar, post: str, d: date) -> int:
    """Head-count required for `post` in a slot starting on local date `d`."""
    rule = policy.post(post)
    n = rule.count
    if rule.holiday_count is not None and calendar.is_holiday(d):
        n = max(n, rule.holiday_count)
    if rule.flood_count is not None and in_flood_season(policy, d):
        n = max(n, rule.flood_count)
    return n


def leader_must_stay(policy: RosterPolicy, calendar: HolidayCalendar, d: date) -> bool:
    """Whether the duty leader must stay in the duty room (holiday or flood season)."""
    return policy.leader_stays_in_room and (calendar.is_holiday(d) or in_flood_season(policy, d))


def slot_bounds(policy: RosterPolicy, d: date, index: int = 0) -> tuple[datetime, datetime]:
    """UTC-aware [start, end) of slot `index` of local date `d` (start at handover)."""
    if not 0 <= index < policy.slots_per_day:
        raise ValueError(f"slot index {index} out of range")
    local = datetime.combine(d, policy.handover, tzinfo=policy.zone)
    local += timedelta(hours=index * policy.slot_hours)
    end = local + timedelta(hours=policy.slot_hours)
    # Wall-clock arithmetic then conversion, so a handover stays at 08:30 local.
    return local.astimezone(UTC), end.replace(tzinfo=policy.zone).astimezone(UTC)


def slot_number(policy: RosterPolicy, d: date, index: int = 0) -> int:
    """A monotonically increasing integer per slot, used for rest arithmetic."""
    return d.toordinal() * policy.slots_per_day + index


def slot_at(policy: RosterPolicy, at: datetime) -> tuple[date, int]:
    """(local date, index) of the slot containing aware instant `at` ("on duty now")."""
    if at.tzinfo is None:
        raise ValueError("slot_at needs an aware datetime")
    return slot_of_local(policy, at.astimezone(policy.zone).replace(tzinfo=None))


def slot_of_local(policy: RosterPolicy, local: datetime) -> tuple[date, int]:
    """(local date, index) of the slot containing naive local wall time `local`."""
    h = policy.handover
    shifted = local - timedelta(hours=h.hour, minutes=h.minute, seconds=h.second)
    hours = (shifted - datetime.combine(shifted.date(), time())) / timedelta(hours=1)
    return shifted.date(), int(hours // policy.slot_hours)
