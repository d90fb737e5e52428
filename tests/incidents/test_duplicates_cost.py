"""Likely duplicates at intake read whole incidents only for the matches (issue 16: with hundreds of open incidents
of one category, loading every candidate whole was most of a POST's CPU), on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from models.incidents.records import Incident
from services.incidents import duplicates
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY, landslide


def test_candidates_are_compared_without_loading_them_whole(session, county, clock, settings):
    elsewhere = [open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(
        **landslide(county["town"].id, clock.now, title=f"别处滑坡{i}", place=f"白马{'东西南北'[i % 4]}山{i}号")))
        for i in range(12)]
    first = open_incident(session=session, by=DUTY, now=clock.now, settings=settings,
                          data=IncidentIn(**landslide(county["town"].id, clock.now)))
    clock.advance(minutes=10)
    new = open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(**landslide(
        county["dept"].id, clock.now, title="青龙村山体滑坡", place="高观乡青龙村 3组", source="应急管理局",
        occurred_at=(clock.now - timedelta(minutes=30)).isoformat())))
    session.commit()
    new_id, first_id = new.id, first.id
    session.expunge_all()  # nothing in the identity map: every incident read whole fires a load event
    new = session.get(Incident, new_id)
    loaded = []
    listener = lambda target, _context: loaded.append(target.id)  # noqa: E731
    event.listen(Incident, "load", listener)
    try:
        found = duplicates.of_incident(session, new, clock.now, by=DUTY, settings=settings)
    finally:
        event.remove(Incident, "load", listener)
    assert [s.incident.id for s in found] == [first_id]
    assert found[0].unit == "高观镇" and found[0].incident.title == "高观镇山体滑坡"
    assert loaded == [first_id], f"{len(loaded)} incidents read whole, of {len(elsewhere) + 1} candidates"
