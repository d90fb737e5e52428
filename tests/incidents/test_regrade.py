"""A grade change on a running incident: the new grade's policy reaches the leaders not yet told (nobody twice),
and those already told get the correction (更正：等级由Ⅳ级调整为Ⅱ级)."""

from __future__ import annotations

from services.incidents import board
from services.incidents.intake import open_incident, set_grade
from services.incidents.schemas import GradeIn, IncidentIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run


def test_upgrading_iv_to_ii_reaches_the_new_leaders_and_corrects_the_old(session, county, clock, recorder,
                                                                          settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now, grade=4)),
                        by=DUTY, now=clock.now, settings=settings)
    assert inc.escalation_policy["name"] == "routine"
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=3)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=2, reason="失联人员增加"))
    (fix,) = recorder.expect("correction", "带班领导周文静")
    assert "更正：等级由Ⅳ级调整为Ⅱ级" in fix.body
    assert inc.escalation_policy["name"] == "severe"
    run(session, clock, settings)
    recorder.expect("escalation", "副县长钱立新")  # the severe policy's first step, without the duty leader again
    clock.advance(minutes=10)
    run(session, clock, settings)
    recorder.expect("escalation", "县长赵国华")
    lines = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "correction"]
    assert lines and "更正：等级由Ⅳ级调整为Ⅱ级" in lines[0]


def test_a_grade_change_within_the_same_policy_only_corrects(session, county, clock, recorder, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)),
                        by=DUTY, now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=1, reason="死亡人数上升"))
    fixes = recorder.expect("correction", "带班领导周文静", "副县长钱立新")
    assert all("更正：等级由Ⅱ级调整为Ⅰ级" in n.body for n in fixes)
    run(session, clock, settings)
    recorder.expect_none()  # same policy, same step: nothing sent twice
