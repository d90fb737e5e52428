"""The demo seed's actor on a timeline (tester's report): 登记（演示数据）, not 登记（demo-seed）; English complete."""

from __future__ import annotations

import re

from services.access import Actor
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import landslide as landslide_data
from tests.incidents.test_acknowledgements import _login


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_demo_seeds_entries_say_demo_data(client, app, users, county, clock, session, settings):
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)),
                        by=Actor.system("demo-seed"), now=clock.now, settings=settings)
    session.commit()
    _login(client, "u_duty_officer")
    page = _text(client.get(f"/incidents/{inc.id}").text)
    assert "登记（演示数据）" in page and "demo-seed" not in page
    en = _text(client.get(f"/incidents/{inc.id}?lang=en").text)
    assert "demo data" in en and "demo-seed" not in en
