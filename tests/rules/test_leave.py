"""Leave reporting: validation tables, acting chains, overdue returns, duty conflicts."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from rules.rosters.away import (
    acting_for,
    duty_conflicts,
    overdue_returns,
    unavailable_from_leaves,
)
from rules.rosters.calendar import HolidayCalendar
from rules.rosters.leave import (
    HalfDay,
    Leave,
    LeavePolicy,
    leave_interval,
    validate_leave,
)
from rules.rosters.policy import RosterPolicy
from rules.rosters.rotation import generate

TZ = "Asia/Shanghai"
LEAVE = LeavePolicy(tz="Asia/Shanghai")
CAL = HolidayCalendar()
AM, PM = HalfDay.am, HalfDay.pm


def leave(person="A", start=date(2025, 3, 10), sh=AM, end=date(2025, 3, 12), eh=PM, **kw) -> Leave:
    base = dict(destination="北京", reason="参加会议", contact="13800000000",
                arrangements="工作已交接", acting="B")
    return Leave(person, start, sh, end, eh, **{**base, **kw})


def codes(check):
    return [(p.field, p.code) for p in check.problems]


@pytest.mark.parametrize(
    "today, start, ok",
    [
        (date(2025, 3, 9), date(2025, 3, 10), True),  # the day before: enough
        (date(2025, 3, 10), date(2025, 3, 10), False),  # same day
        (date(2025, 3, 11), date(2025, 3, 10), False),  # after departure
        (date(2025, 3, 1), date(2025, 3, 10), True),
    ],
)
def test_lead_time(today, start, ok):
    check = validate_leave(leave(start=start), today=today, calendar=CAL, policy=LEAVE)
    assert check.ok is ok
    if not ok:
        assert codes(check) == [("start_day", "lead_time")]
        assert "提前1天" in check.problems[0].message


@pytest.mark.parametrize("today, start", [(date(2025, 3, 10), date(2025, 3, 10)),  # same day
                                          (date(2025, 3, 11), date(2025, 3, 10))])  # after the fact
def test_urgent_leave_waives_the_lead_time_with_a_reason_and_is_flagged(today, start):
    check = validate_leave(leave(start=start, urgent=True, urgent_reason="家属急病"), today=today, calendar=CAL,
                           policy=LEAVE)
    assert check.ok and check.needs_review
    check = validate_leave(leave(start=start, urgent=True), today=today, calendar=CAL, policy=LEAVE)
    assert codes(check) == [("urgent_reason", "required")]
    check = validate_leave(leave(start=start, urgent=True, abroad=True, urgent_reason="紧急公务"), today=today,
                           calendar=CAL, policy=LEAVE)
    assert check.ok and check.needs_review


@pytest.mark.parametrize(
    "today, start, ok",
    [
        (date(2025, 3, 3), date(2025, 3, 6), True),  # Mon -> Thu: 3 working days
        (date(2025, 3, 3), date(2025, 3, 5), False),
        (date(2025, 9, 26), date(2025, 9, 30), True),  # Fri; Sun 09-28 is a make-up workday
        (date(2025, 9, 29), date(2025, 10, 9), False),  # National Day in between: only 2
        (date(2025, 9, 29), date(2025, 10, 10), True),
    ],
)
def test_abroad_needs_three_working_days_on_the_holiday_calendar(today, start, ok):
    check = validate_leave(leave(start=start, end=date(2025, 10, 20), abroad=True), today=today, calendar=CAL, policy=LEAVE)
    assert check.ok is ok, check.problems
    if not ok:
        assert codes(check) == [("start_day", "lead_time_abroad")]


@pytest.mark.parametrize("field", ["destination", "reason", "contact", "arrangements", "acting"])
def test_each_required_field_is_named(field):
    check = validate_leave(leave(**{field: "  "}), today=date(2025, 3, 1), calendar=CAL, policy=LEAVE)
    assert codes(check) == [(field, "required")]
    assert check.problems[0].message.startswith("请填写")


def test_half_days():
    start, end = leave_interval(leave(start=date(2025, 3, 10), sh=PM, end=date(2025, 3, 11), eh=AM), TZ)
    assert start == datetime(2025, 3, 10, 4, tzinfo=UTC) and end == datetime(2025, 3, 11, 4, tzinfo=UTC)
    one_morning = leave(start=date(2025, 3, 10), sh=AM, end=date(2025, 3, 10), eh=AM)
    assert validate_leave(one_morning, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE).ok
    backwards = leave(start=date(2025, 3, 10), sh=PM, end=date(2025, 3, 10), eh=AM)
    assert codes(validate_leave(backwards, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE)) == [("end_day", "end_before_start")]
    assert codes(validate_leave(leave(acting="A"), today=date(2025, 3, 1), calendar=CAL, policy=LEAVE)) == [("acting", "self_acting")]


def test_pairs_that_must_not_be_away_together():
    pairs = [("HEAD", "DEPUTY")]
    deputy = leave("DEPUTY", date(2025, 3, 10), AM, date(2025, 3, 11), AM, acting="X")
    mine = leave("HEAD", date(2025, 3, 11), AM, date(2025, 3, 12), PM, acting="Y")
    check = validate_leave(mine, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, others=[deputy], pairs=pairs)
    assert codes(check) == [("together_reason", "pair_away")] and "DEPUTY" in check.problems[0].message
    with_reason = replace(mine, together_reason="上级统一召集会议")
    assert validate_leave(with_reason, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, others=[deputy], pairs=pairs).ok
    afternoon = replace(mine, start_half=PM)  # deputy is back at noon: no overlap
    assert validate_leave(afternoon, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, others=[deputy], pairs=pairs).ok
    back_early = replace(deputy, returned_at=datetime(2025, 3, 10, 9, tzinfo=UTC))  # 销假 on the 10th
    assert validate_leave(mine, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, others=[back_early], pairs=pairs).ok
    stranger = replace(deputy, person="OTHER")
    assert validate_leave(mine, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, others=[stranger], pairs=pairs).ok


@pytest.mark.parametrize(
    "person, start, end, needs",
    [
        ("HEAD", date(2025, 6, 1), date(2025, 6, 3), True),
        ("HEAD", date(2025, 4, 13), date(2025, 4, 15), True),  # runs into flood season
        ("HEAD", date(2025, 3, 1), date(2025, 3, 3), False),
        ("STAFF", date(2025, 6, 1), date(2025, 6, 3), False),
    ],
)
def test_heads_need_approval_in_flood_season(person, start, end, needs):
    lv = leave(person, start, AM, end, PM)
    check = validate_leave(lv, today=date(2025, 1, 1), calendar=CAL, policy=LEAVE, heads={"HEAD"})
    assert check.ok and check.needs_approval is needs


AT = datetime(2025, 3, 11, 2, tzinfo=UTC)  # 10:00 Beijing on the 11th


def test_acting_chains_and_cycles():
    a = leave("A", acting="B")
    assert acting_for("A", AT, [a], TZ) == ("B", ("A", "B"), False)
    b = leave("B", acting="C")
    assert acting_for("A", AT, [a, b], TZ).person == "C"
    assert acting_for("C", AT, [a, b], TZ).person == "C"  # not away: acts for themself
    assert acting_for("A", datetime(2025, 3, 13, 2, tzinfo=UTC), [a, b], TZ).person == "A"  # leave over
    loop = leave("B", acting="A")
    result = acting_for("A", AT, [a, loop], TZ)
    assert result.cycle and result.chain == ("A", "B")
    tail = leave("C", acting="B")
    assert acting_for("A", AT, [a, b, tail], TZ).cycle


def test_overdue_returns():
    ended = leave("A")  # ends 2025-03-12 PM, i.e. 03-13 00:00 Beijing
    closed = replace(leave("B"), returned_at=datetime(2025, 3, 12, 9, tzinfo=UTC))
    running = leave("C", end=date(2025, 3, 20))
    now = datetime(2025, 3, 13, 1, tzinfo=UTC)
    assert [o.leave.person for o in overdue_returns([running, closed, ended], now, TZ)] == ["A"]
    assert overdue_returns([ended], datetime(2025, 3, 12, 15, 59, tzinfo=UTC), TZ) == []


def test_duty_conflicts_and_roster_skips_the_leave():
    policy = RosterPolicy(tz="Asia/Shanghai")
    plan = generate(policy, {"leader": ["A", "B", "C"], "officer": ["D", "E", "F", "G"]}, CAL,
                    date(2025, 3, 1), date(2025, 3, 31))
    # A's slots in the published roster, then A files leave for 03-10 PM .. 03-12 AM
    lv = leave("A", date(2025, 3, 10), PM, date(2025, 3, 12), AM, acting="B")
    hits = duty_conflicts(lv, plan.assignments, policy)
    expected = {date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)}
    assert hits and {a.day for a in hits} == {a.day for a in plan.assignments if a.person == "A"} & expected
    again = generate(policy, {"leader": ["A", "B", "C"], "officer": ["D", "E", "F", "G"]}, CAL,
                     date(2025, 3, 1), date(2025, 3, 31), None, unavailable_from_leaves([lv], TZ))
    assert duty_conflicts(lv, again.assignments, policy) == []


def test_absence_of_a_non_cadre_needs_only_dates_but_keeps_the_office_checks():
    bare = Leave("D", date(2025, 3, 10), AM, date(2025, 3, 10), PM)
    assert validate_leave(bare, today=date(2025, 3, 10), calendar=CAL, policy=LEAVE, formal=False).ok  # same day, no fields
    assert {f for f, _ in codes(validate_leave(bare, today=date(2025, 3, 10), calendar=CAL, policy=LEAVE))} >= {
        "destination", "start_day"}  # the same request as a formal report
    backwards = replace(bare, start_half=PM, end_half=AM)
    assert codes(validate_leave(backwards, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, formal=False)) == [
        ("end_day", "end_before_start")]
    partner = leave(person="E", start=date(2025, 3, 10), end=date(2025, 3, 10))
    check = validate_leave(bare, today=date(2025, 3, 1), calendar=CAL, policy=LEAVE, formal=False, others=[partner],
                           pairs=[("D", "E")])
    assert codes(check) == [("together_reason", "pair_away")]
