"""Night duty (issue 17): the written 首报 deadline follows the grade after a re-grade."""

from __future__ import annotations

from models.incidents.records import Deadline, Report
from services.incidents import deadlines, upward
from services.incidents.intake import open_incident, set_grade
from services.incidents.reports import add_report
from services.incidents.schemas import GradeIn, IncidentIn, ReportIn
from sqlmodel import select
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_upward import dispatch, webhook_missing


def _written(session, inc):
    return [d for d in session.exec(select(Deadline).where(Deadline.incident_id == inc.id,
                                                           Deadline.kind == "written"))]


def test_phone_first_report_then_regrade_iv_to_iii_moves_the_written_deadline(session, county, clock, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now, grade=4,
                        deaths=0, missing=0, injured=2, grade_override_reason="")),
                        by=DUTY, now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone", reported_at=clock.now))
    (row,) = _written(session, inc)
    assert "120分钟" in row.text
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=3, reason="伤情加重"))
    rows = [d for d in _written(session, inc) if d.cancelled_at is None]
    assert [d.text for d in rows] == ["首报书面报告时限60分钟"]


def test_a_written_first_report_whose_upward_send_failed_follows_the_new_grade(session, county, clock, settings):
    """同时报送首报 at intake, the city's webhook not configured: the written deadline is open again (报送失败), so
    定为Ⅲ级 moves it to the grade III 60 minutes instead of leaving the grade IV 120 minutes on the page."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(
        county["town"].id, clock.now, grade=4, deaths=0, missing=0, injured=2, grade_override_reason="",
        first_report=True, first_report_channel="written")), by=DUTY, now=clock.now, settings=settings)
    dispatch(session, clock, webhook_missing)
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=3, reason="伤情加重"))
    ups = upward.statuses(session, inc, list(session.exec(select(Report).where(Report.incident_id == inc.id))))
    (row,) = [d for d in deadlines.still_open(session, inc.id, ups) if d.kind == "written"]
    assert row.text == "首报书面报告时限60分钟"
    assert (row.due_at - inc.received_at).total_seconds() == 60 * 60
