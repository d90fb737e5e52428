"""A unit's roster overrides: NULL means the rule's default, so changing a default reaches every unit that did not
override it; the flood-season window (rules/rosters/seasons.py) is one rule for rosters, leave, plans and notices."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from models.rosters.roster import UnitRosterPolicy
from rules.rosters.calendar import HolidayCalendar
from rules.rosters.leave import HalfDay, Leave, LeavePolicy, validate_leave
from rules.rosters.policy import RosterPolicy, in_flood_season
from rules.rosters.seasons import FLOOD_SEASON, HANDOVER, MIN_REST_HOURS, Window
from rules.spotchecks.plan import PlanWeights, _hour_slots
from services.rosters import policy as pol

TZ = "Asia/Shanghai"


def test_an_override_of_one_field_leaves_the_others_to_the_rule(client, tokens, roster_unit, session):
    town = roster_unit["unit"]
    r = client.patch(f"/api/rosters/{town.id}/policy", headers=tokens["duty_officer"], json={"min_rest_hours": 12})
    assert r.status_code == 200, r.text
    stored = session.get(UnitRosterPolicy, town.id)
    assert stored.min_rest_hours == 12 and stored.handover is None and stored.flood_start is None
    effective = pol.load_policy(session, town.id, TZ)
    assert effective.min_rest_hours == 12
    assert effective.handover == HANDOVER and effective.flood == FLOOD_SEASON  # follow the rule, not a copy of it


def test_a_bad_override_names_its_field(client, tokens, roster_unit):
    town = roster_unit["unit"]
    r = client.patch(f"/api/rosters/{town.id}/policy", headers=tokens["duty_officer"], json={"flood_end": "13-40"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "flood_end"]


def test_no_row_is_the_rules_own_defaults(session, roster_unit):
    p = pol.to_policy(None, [], tz=TZ)
    assert (p.handover, p.flood, p.min_rest_hours) == (HANDOVER, FLOOD_SEASON, MIN_REST_HOURS) == (
        time(8, 30), Window((4, 15), (10, 15)), 24)


SOUTH = Window((11, 1), (2, 28))  # a window that wraps over new year


def test_a_window_over_new_year_holds_for_rosters_leave_and_plans():
    roster = RosterPolicy(tz=TZ, flood=SOUTH)
    assert in_flood_season(roster, date(2025, 12, 31)) and in_flood_season(roster, date(2026, 1, 10))
    assert not in_flood_season(roster, date(2026, 3, 1))
    head = Leave(person="HEAD", start_day=date(2026, 1, 5), start_half=HalfDay.am, end_day=date(2026, 1, 6),
                 end_half=HalfDay.pm, destination="市里", reason="开会", contact="139", arrangements="有人",
                 acting="DEP")
    check = validate_leave(head, today=date(2026, 1, 1), calendar=HolidayCalendar(),
                           policy=LeavePolicy(tz=TZ, flood=SOUTH), heads={"HEAD"})
    assert check.ok and check.needs_approval  # a head's leave inside the wrapped window needs approval
    weights = PlanWeights(flood_season_span=SOUTH)
    slots, hourly = _hour_slots(date(2026, 1, 6), date(2026, 1, 6), ZoneInfo(TZ), weights, HolidayCalendar())
    _, later = _hour_slots(date(2026, 3, 10), date(2026, 3, 10), ZoneInfo(TZ), weights, HolidayCalendar())
    assert hourly[10] == later[10] * weights.flood_season  # a Tuesday morning each: only the season differs
    assert any(r.code == "flood_season" for r in slots[10][1])
