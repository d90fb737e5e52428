"""Plans, manual results with validation, corrections as new entries (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from core.errors import Conflict, Invalid
from models.audit import AuditEntry
from models.spotchecks.checks import (
    PhoneCheck,
    PhoneCheckCreate,
    PlannedCheck,
    PlannedStatus,
)
from rules.spotchecks.outcomes import Outcome
from services.spotchecks import plans, results
from tests.spotchecks.conftest import NOW, SETTINGS, TZ, town_check


def test_plan_covers_every_unit_reproducibly_with_reasons(session, plan, directory):
    checks = plans.plan_checks_of(session=session, plan_id=plan.id)
    units = {c.unit_id for c in checks}
    assert units == {directory["town"].id, directory["dept"].id}  # the hub is not checked
    assert all(c.why and c.reasons[0]["code"] == "quota" for c in checks)
    again = plans.plan_checks_of(session=session, plan_id=plan.id)
    from datetime import date

    from rules.spotchecks.outcomes import SpotUnit, plan_checks
    expect = plan_checks([SpotUnit(str(u.id), u.name) for u in (directory["town"], directory["dept"])],
                         date(2026, 10, 1), date(2026, 12, 31), TZ, "7")
    assert sorted(c.planned_at for c in again) == sorted(e.at for e in expect)


def test_second_plan_for_a_quarter_is_refused(session, plan):
    with pytest.raises(Conflict) as err:
        plans.make_plan(session=session, quarter="2026Q4", seed=8, actor="x", now=NOW, settings=SETTINGS)
    assert err.value.field == "quarter"
    with pytest.raises(Invalid):
        plans.make_plan(session=session, quarter="2026Q5", seed=8, actor="x", now=NOW, settings=SETTINGS)


def _data(unit, **over):
    d = dict(unit_id=unit.id, started_at=NOW - timedelta(minutes=5), outcome="normal", rings=2, answered_by="张三")
    d.update(over)
    return PhoneCheckCreate(**d)


def test_manual_result_attaches_to_the_planned_check(session, plan, directory):
    pc = town_check(session, plan, directory)
    check = results.record_manual(session=session, data=_data(directory["town"]), actor="duty", now=NOW, settings=SETTINGS)
    assert check.planned_check_id == pc.id and check.roster_match is None  # no roster published: unknown
    assert session.get(PlannedCheck, pc.id).status == PlannedStatus.done
    assert session.exec(select(AuditEntry).where(AuditEntry.entity == "phone_check",
                                                 AuditEntry.entity_id == str(check.id))).first() is not None


@pytest.mark.parametrize(("over", "field"), [
    ({"outcome": "asleep"}, "outcome"),
    ({"started_at": NOW + timedelta(hours=1)}, "started_at"),
])
def test_bad_manual_results_change_nothing(session, plan, directory, over, field):
    before = session.exec(select(func.count()).select_from(PhoneCheck)).one()
    with pytest.raises(Invalid) as err:
        results.record_manual(session=session, data=_data(directory["town"], **over), actor="d", now=NOW, settings=SETTINGS)
    assert err.value.field == field
    assert session.exec(select(func.count()).select_from(PhoneCheck)).one() == before


def test_unit_not_in_plan_is_refused(session, plan, directory):
    with pytest.raises(Invalid) as err:
        results.record_manual(session=session, data=_data(directory["hub"]), actor="d", now=NOW, settings=SETTINGS)
    assert err.value.field == "unit_id" and "not in the plan" in err.value.reason


def test_manual_result_cannot_overwrite_an_automated_one(session, plan, directory):
    pc = town_check(session, plan, directory)
    auto = PhoneCheck(unit_id=pc.unit_id, planned_check_id=pc.id, mode="automated", started_at=NOW,
                      outcome="no_answer", recorded_by="system")
    session.add(auto)
    session.commit()
    with pytest.raises(Conflict) as err:
        results.record_manual(session=session, data=_data(directory["town"], planned_check_id=pc.id), actor="d",
                              now=NOW, settings=SETTINGS)
    assert "correction" in err.value.reason


def test_correction_is_a_new_entry_pointing_at_the_old_one(session, plan, directory):
    town_check(session, plan, directory)
    old = results.record_manual(session=session, data=_data(directory["town"], outcome="no_answer"), actor="d",
                                now=NOW, settings=SETTINGS)
    new = results.correct(session=session, check_id=old.id, data=_data(directory["town"], outcome="slow_answer"),
                          reason="记错了", actor="d2", now=NOW, settings=SETTINGS)
    assert new.corrects_id == old.id and new.id != old.id
    assert session.get(PhoneCheck, old.id).outcome == "no_answer"  # untouched
    current = results.current_checks(session, unit_id=directory["town"].id)
    assert [c.id for c in current] == [new.id] and current[0].outcome == Outcome.slow_answer
    with pytest.raises(Conflict):  # the old entry is history now: correct the latest
        results.correct(session=session, check_id=old.id, data=_data(directory["town"]), reason="x", actor="d",
                        now=NOW, settings=SETTINGS)
    assert [c.id for c in results.history(session, new.id)] == [new.id, old.id]


def _on_duty(session, directory, start, hours=24):
    """The town's duty officer rostered from `start` (a test's scenario: one slot, written straight in)."""
    from models.rosters.roster import RosterSlot

    person = directory["people"]["t1"]
    session.add(RosterSlot(unit_id=directory["town"].id, day=start.astimezone(TZ).date(), post="officer",
                           person_id=person.id, starts_at=start, ends_at=start + timedelta(hours=hours)))
    session.commit()
    return person


def test_a_correction_keeps_the_checks_time_and_roster_judgement_unless_it_changes_them(session, plan, directory):
    from models.spotchecks.checks import PhoneCheckCorrection

    town_check(session, plan, directory)
    person = _on_duty(session, directory, NOW - timedelta(hours=2))
    old = results.record_manual(session=session, actor="d", now=NOW, settings=SETTINGS, data=_data(
        directory["town"], outcome="slow_answer", answered_by=person.name))
    assert old.roster_match is True
    later = NOW + timedelta(days=3)  # corrected days later, when nobody of the town is rostered
    new = results.correct(session=session, check_id=old.id, data=PhoneCheckCorrection(outcome="normal"),
                          reason="复听录音，三声内接听", actor="d2", now=later, settings=SETTINGS)
    assert (new.started_at, new.roster_match, new.answered_by, new.rings) == (old.started_at, True, person.name, 2)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "correct",
                                                  AuditEntry.entity_id == str(new.id))).one()
    assert (entry.before["outcome"], entry.after["outcome"]) == ("slow_answer", "normal")
    assert entry.before["started_at"] == entry.after["started_at"] and "outcome changed" in entry.note
    # an explicit judgement is kept as given; a new answerer is judged against the roster at the check's time
    judged = results.correct(session=session, check_id=new.id, reason="接听人系临时顶班", actor="d2", now=later,
                             settings=SETTINGS, data=PhoneCheckCorrection(roster_match=False))
    assert (judged.roster_match, judged.outcome, judged.started_at) == (False, "normal", old.started_at)
    again = results.correct(session=session, check_id=judged.id, reason="核实接听人", actor="d2", now=later,
                            settings=SETTINGS, data=PhoneCheckCorrection(answered_person_id=person.id))
    assert again.roster_match is True and again.started_at == old.started_at


def test_an_ad_hoc_result_never_consumes_a_check_planned_for_later_or_an_automated_one(session, plan, directory):
    from models.spotchecks.checks import CheckMode

    pc = town_check(session, plan, directory, due=NOW + timedelta(days=5))  # planned for next week
    adhoc = results.record_manual(session=session, data=_data(directory["town"]), actor="d", now=NOW,
                                  settings=SETTINGS)
    assert adhoc.planned_check_id is None and session.get(PlannedCheck, pc.id).status == PlannedStatus.planned
    auto = town_check(session, plan, directory, due=NOW - timedelta(hours=1), mode=CheckMode.automated)
    adhoc = results.record_manual(session=session, data=_data(directory["town"]), actor="d", now=NOW,
                                  settings=SETTINGS)
    assert adhoc.planned_check_id is None and session.get(PlannedCheck, auto.id).status == PlannedStatus.planned
    manual = town_check(session, plan, directory, due=NOW - timedelta(hours=1))  # due and the officer's: fulfilled
    done = results.record_manual(session=session, data=_data(directory["town"]), actor="d", now=NOW,
                                 settings=SETTINGS)
    assert done.planned_check_id == manual.id and session.get(PlannedCheck, manual.id).status == PlannedStatus.done
