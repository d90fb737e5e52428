"""The board by urgency on both databases: overdue first, then the nearest deadline, and only at equal urgency
unacknowledged before acknowledged (an acknowledged grade II with 3 minutes left is above an unacknowledged IV)."""

from __future__ import annotations

from datetime import timedelta

from services.incidents import board
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide


def _open(session, county, clock, settings, title, minutes_ago, **kw):
    data = landslide(county["town"].id, clock.now - timedelta(minutes=minutes_ago), title=title, **kw)
    return open_incident(session=session, data=IncidentIn(**data), by=DUTY, now=clock.now, settings=settings)


def test_the_board_is_ordered_by_urgency(session, county, clock, settings):
    minor = dict(grade=None, grade_override_reason="", deaths=0, injured=1, missing=0)
    severe = _open(session, county, clock, settings, "重大·已确认·剩3分钟", 57)
    add_report(session=session, incident_id=severe.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone", reported_at=clock.now - timedelta(minutes=50)))
    severe.acknowledged_at, severe.acknowledged_by = clock.now, "带班领导周文静"
    fresh = _open(session, county, clock, settings, "一般·未确认·剩110分钟", 10, **minor)
    late = _open(session, county, clock, settings, "一般·已超时", 130, **minor)
    session.flush()
    rows = board.board(session, clock.now, by=DUTY, settings=settings)
    assert [b.incident.title for b in rows] == ["一般·已超时", "重大·已确认·剩3分钟", "一般·未确认·剩110分钟"]
    assert rows[1].next_deadline.due_at - clock.now == timedelta(minutes=3)
    assert {b.incident.id for b in rows} == {severe.id, fresh.id, late.id}
