"""Checks over an existing roster: gaps, substitutes, fairness counts."""

from datetime import date

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.policy import RosterPolicy
from rules.rosters.review import required_slots
from rules.rosters.rotation import fairness, find_gaps, generate, suggest_substitutes

CAL = HolidayCalendar()
POLICY = RosterPolicy(tz="Asia/Shanghai")
POOLS = {"leader": ["L0", "L1", "L2", "L3"], "officer": ["O0", "O1", "O2", "O3", "O4", "O5"]}
FIRST, LAST = date(2025, 3, 1), date(2025, 3, 31)


def test_generated_roster_has_no_gaps_and_edits_create_them():
    plan = generate(POLICY, POOLS, CAL, FIRST, LAST)
    required = required_slots(POLICY, CAL, FIRST, LAST)
    assert find_gaps(POLICY, plan.assignments, required) == []
    victim = plan.assignments[10]
    edited = [a for a in plan.assignments if a is not victim]
    gaps = find_gaps(POLICY, edited, required)
    assert [(g.day, g.post, g.reason, g.missing) for g in gaps] == [(victim.day, victim.post, "below_required", 1)]
    assert "低于要求" in gaps[0].text(post_label="值班员")


def test_holder_on_leave_is_a_gap_with_a_ranked_substitute():
    plan = generate(POLICY, POOLS, CAL, FIRST, LAST)
    holder = next(a for a in plan.assignments if a.day == date(2025, 3, 12) and a.post == "leader")
    leave = {holder.person: [(date(2025, 3, 12), date(2025, 3, 12))]}
    gaps = find_gaps(POLICY, plan.assignments, required_slots(POLICY, CAL, FIRST, LAST), leave)
    assert [(g.day, g.reason, g.blockers) for g in gaps] == [(holder.day, "holder_unavailable", ((holder.person, "leave"),))]
    assert "请假" in gaps[0].text()
    ranked = suggest_substitutes(POLICY, CAL, POOLS["leader"], plan.assignments, holder.day, "leader", leave)
    by = {c.person: c for c in ranked}
    assert by[holder.person].code == "leave" and not by[holder.person].eligible
    for neighbour in (a.person for a in plan.assignments
                      if a.post == "leader" and a.day in (date(2025, 3, 11), date(2025, 3, 13))):
        assert by[neighbour].code == "rest" and not by[neighbour].eligible
    eligible = [c for c in ranked if c.eligible]
    assert eligible and ranked[: len(eligible)] == eligible
    assert [c.count for c in eligible] == sorted(c.count for c in eligible)
    assert "可替班" in eligible[0].text()


def test_person_on_two_posts_in_one_slot_is_flagged():
    plan = generate(POLICY, POOLS, CAL, FIRST, LAST)
    leader = next(a for a in plan.assignments if a.post == "leader")
    clash = leader._replace(post="officer")
    gaps = find_gaps(POLICY, [*plan.assignments, clash], required_slots(POLICY, CAL, FIRST, LAST))
    assert {g.reason for g in gaps} == {"double_post"}


def test_fairness_counts_match_assignments():
    plan = generate(POLICY, POOLS, CAL, date(2025, 1, 1), date(2025, 12, 31))
    f = fairness(plan, "officer")
    assert set(f) == set(POOLS["officer"])
    assert sum(sum(c.values()) for c in f.values()) == sum(1 for a in plan.assignments if a.post == "officer")
    assert sum(c["holiday"] for c in f.values()) == sum(
        1 for a in plan.assignments if a.post == "officer" and a.day_class == "holiday")
    assert fairness(plan.assignments) == fairness(plan)
