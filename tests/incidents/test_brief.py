"""The daily duty brief (值班日报): the day's figures, each open incident, and the audit chain's head, so a copy of
the record's head exists outside the system with everyone who keeps the brief; sent once per leader a day."""

from __future__ import annotations

from models.incidents.escalation import Notice
from services.audit import chain
from services.audit.checks import Keeper
from services.incidents import brief
from tests.incidents.conftest import T0, landslide


def test_the_brief_carries_the_chain_head_and_goes_once_to_each_leader(client, app, clock, county, tokens, session,
                                                                         settings):
    app.state.clock = clock
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    assert r.status_code == 201, r.text
    Keeper.of(settings).seal(session=session, now=T0)
    pos, head = chain.head(session=session)
    text = brief.compose(session, T0, settings)
    assert "高观镇山体滑坡" in text and f"审计链：第 {pos} 条，校验值 {head[:16]}" in text
    first = brief.send_brief(session=session, now=T0, settings=settings)
    assert first >= 2  # the county head and the vice heads are leading cadres of the hub
    assert brief.send_brief(session=session, now=T0, settings=settings) == 0  # a rerun sends nothing twice
    assert session.query(Notice).filter(Notice.purpose == "brief").count() == first
