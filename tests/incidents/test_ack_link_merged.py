"""Issue 17: an old acknowledgement link of an incident merged into another (同一事件) acknowledges nothing. The
link was sent for the merged incident, whose escalation stopped with the merge; opening it says which incident it
went into and offers that page, and the kept incident's escalation is left to its own people and links."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.errors import Conflict
from models.deliveries import Delivery
from models.incidents.escalation import Acknowledgement
from services.incidents import acks, merge
from tests.incidents.conftest import DUTY
from tests.incidents.test_ack_link_holders import HTML
from tests.incidents.test_merge import _two_reports
from tests.incidents.test_escalation_scenario import run


def _merged_link(session, county, clock, settings):
    """Both reports paged the duty leader; the bureau's is merged into the town's; its link is the old one."""
    town, dept = _two_reports(session, county, clock, settings)
    run(session, clock, settings)
    row = session.exec(select(Delivery).where(Delivery.source_id == str(dept.id), Delivery.ack_url.is_not(None),
                                              Delivery.person_id == county["leader"].id)).first()
    clock.advance(minutes=2)
    merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    session.commit()
    return town, dept, row.ack_url.split("/ack/")[1]


def test_the_old_link_says_merged_and_offers_the_kept_incident(client, app, session, county, clock, settings):
    app.state.clock = clock
    town, dept, token = _merged_link(session, county, clock, settings)
    looked = client.get(f"/ack/{token}", headers=HTML)
    assert looked.status_code == 200
    assert '并入「<span lang="zh-CN">高观镇山体滑坡</span>」（同一事件）' in looked.text and "不再需要确认收到" in looked.text
    assert f'href="/incidents/{town.id}"' in looked.text and "确认收到</button>" not in looked.text
    en = client.get(f"/ack/{token}", headers=HTML, params={"lang": "en"})
    assert 'into “<span lang="zh-CN">高观镇山体滑坡</span>”' in en.text and "nothing to acknowledge here" in en.text
    # pressing anyway (a form kept open since before the merge) records nothing on either incident
    pressed = client.post(f"/ack/{token}", headers=HTML)
    assert "高观镇山体滑坡" in pressed.text and "已确认收到" not in pressed.text
    session.expire_all()
    assert session.exec(select(Acknowledgement)).all() == []
    assert town.acknowledged_at is None and dept.acknowledged_at is None


def test_the_services_refuse_an_acknowledgement_of_a_merged_incident(session, county, clock, settings):
    town, dept, token = _merged_link(session, county, clock, settings)
    with pytest.raises(Conflict) as link:
        acks.use_link(session, token=token, now=clock.now, settings=settings)
    assert "本事件已并入「高观镇山体滑坡」" in link.value.reason
    with pytest.raises(Conflict) as phoned:  # nor the duty office recording a phoned acknowledgement of it
        acks.acknowledge(session=session, incident_id=dept.id, by=DUTY, person_id=county["leader"].id,
                         via="console", now=clock.now, tz=settings.timezone)
    assert phoned.value.field == "incident_id"
    session.rollback()
    assert session.exec(select(Acknowledgement)).all() == []
