"""A step naming several people reads the leaves once and the duty office not at all (issue 16: each of these was
a query per person of every step), and still replaces the one on leave; on both databases."""

from __future__ import annotations

from sqlalchemy import event

from rules.incidents.escalation import Target, TargetKind
from services.incidents import targets
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY, landslide, vice_on_leave


def test_named_people_cost_one_leave_query_and_no_duty_office_query(session, county, clock, settings):
    vice_on_leave(session, county, clock)
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    session.flush()
    statements: list[str] = []
    conn = session.connection()
    listener = lambda _c, _cur, sql, *_rest: statements.append(sql.lower())  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        people, unresolved = targets.resolve_targets(session, incident=inc, at=clock.now, tz=settings.timezone,
                                                     targets=[Target(TargetKind.person, str(county[k].id))
                                                              for k in ("head", "vice", "leader")])
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    assert [(p.person.name, p.acting_for) for p in people] == [
        ("县长赵国华", ""), ("常务副县长吴振华", "副县长钱立新"), ("带班领导周文静", "")]
    assert unresolved == []
    assert sum("from leave_report" in s for s in statements) == 1, statements
    assert not any("from unit" in s for s in statements), statements
