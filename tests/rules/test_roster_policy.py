"""Roster policy: head-counts by day and season, slot boundaries in local time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.policy import (
    DayClass,
    PostRule,
    RosterPolicy,
    day_class,
    in_flood_season,
    leader_must_stay,
    required_count,
    slot_at,
    slot_bounds,
)
from rules.rosters.seasons import Window

CAL = HolidayCalendar()
POLICY = RosterPolicy(tz="Asia/Shanghai")


@pytest.mark.parametrize(
    "d, leader, officer",
    [
        (date(2025, 1, 1), 1, 2),  # New Year's Day
        (date(2025, 1, 29), 1, 2),  # Spring Festival
        (date(2025, 1, 26), 1, 1),  # Sunday worked (调休), not flood season
        (date(2025, 3, 3), 1, 1),  # plain workday
        (date(2025, 3, 8), 1, 1),  # plain weekend: not a holiday
        (date(2025, 4, 14), 1, 1),  # day before flood season
        (date(2025, 4, 15), 1, 2),  # flood season starts, inclusive
        (date(2025, 10, 15), 1, 2),  # flood season ends, inclusive
        (date(2025, 10, 16), 1, 1),
    ],
)
def test_required_counts_by_day(d, leader, officer):
    assert required_count(POLICY, CAL, "leader", d) == leader
    assert required_count(POLICY, CAL, "officer", d) == officer


def test_every_day_of_two_years_officer_count_follows_holidays_and_flood_season():
    d = date(2025, 1, 1)
    while d <= date(2026, 12, 31):
        raised = CAL.is_holiday(d) or (4, 15) <= (d.month, d.day) <= (10, 15)
        assert required_count(POLICY, CAL, "officer", d) == (2 if raised else 1), d
        assert leader_must_stay(POLICY, CAL, d) == raised, d
        d += timedelta(days=1)


def test_unit_defined_post_and_settings():
    policy = RosterPolicy(tz="Asia/Shanghai",
        posts=(PostRule("leader", "带班领导"), PostRule("driver", "驾驶员", 1, holiday_count=3, flood_count=None)),
        leader_stays_in_room=False,
    )
    assert required_count(policy, CAL, "driver", date(2025, 10, 2)) == 3
    assert required_count(policy, CAL, "driver", date(2025, 7, 2)) == 1  # no flood raise configured
    assert not leader_must_stay(policy, CAL, date(2025, 10, 2))
    with pytest.raises(KeyError):
        required_count(policy, CAL, "officer", date(2025, 7, 2))


def test_flood_window_may_wrap_over_new_year():
    policy = RosterPolicy(tz="Asia/Shanghai", flood=Window((11, 1), (2, 28)))
    assert in_flood_season(policy, date(2025, 12, 31)) and in_flood_season(policy, date(2026, 1, 10))
    assert not in_flood_season(policy, date(2026, 3, 1)) and not in_flood_season(policy, date(2025, 10, 31))


def test_day_classes():
    assert day_class(CAL, date(2025, 2, 8)) is DayClass.workday  # Saturday worked (调休)
    assert day_class(CAL, date(2025, 2, 9)) is DayClass.weekend
    assert day_class(CAL, date(2025, 10, 4)) is DayClass.holiday  # Saturday inside National Day


@pytest.mark.parametrize("bad", [dict(slot_hours=7), dict(slot_hours=0), dict(min_rest_hours=-1),
                                 dict(posts=(PostRule("a"), PostRule("a"))), dict(posts=(PostRule("a", count=-1),))])
def test_invalid_policies_are_refused(bad):
    with pytest.raises(ValueError):
        RosterPolicy(tz="Asia/Shanghai", **bad)


def test_slot_bounds_default_handover_is_0830_shanghai_in_utc():
    start, end = slot_bounds(POLICY, date(2025, 1, 1))
    assert start == datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
    assert end == datetime(2025, 1, 2, 0, 30, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)


def test_slot_bounds_keep_local_handover_across_dst():
    policy = RosterPolicy(tz="America/New_York")
    start, end = slot_bounds(policy, date(2025, 3, 8))  # DST starts on the 9th: a 23-hour slot
    assert start == datetime(2025, 3, 8, 13, 30, tzinfo=UTC)
    assert end == datetime(2025, 3, 9, 12, 30, tzinfo=UTC)


def test_twelve_hour_slots():
    policy = RosterPolicy(tz="Asia/Shanghai", slot_hours=12, handover=time(8, 0))
    assert policy.slots_per_day == 2
    s0, e0 = slot_bounds(policy, date(2025, 5, 1), 0)
    s1, e1 = slot_bounds(policy, date(2025, 5, 1), 1)
    assert e0 == s1 and e1 - s0 == timedelta(hours=24)
    assert slot_at(policy, s1 + timedelta(hours=11)) == (date(2025, 5, 1), 1)
    with pytest.raises(ValueError):
        slot_bounds(policy, date(2025, 5, 1), 2)


def test_slot_at_matches_slot_bounds_every_day():
    d = date(2025, 1, 1)
    while d <= date(2026, 12, 31):
        start, end = slot_bounds(POLICY, d)
        assert slot_at(POLICY, start) == (d, 0)
        assert slot_at(POLICY, end - timedelta(seconds=1)) == (d, 0)
        assert slot_at(POLICY, end) == (d + timedelta(days=1), 0)
        d += timedelta(days=1)
    with pytest.raises(ValueError):
        slot_at(POLICY, datetime(2025, 1, 1, 9))
