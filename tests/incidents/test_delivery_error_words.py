"""Issue 14: a delivery error ("渠道 webhook 未配置") on the incident page and the deliveries pages is worded in the
page's language, naming the channel as people call it: no raw Chinese on English pages, no raw channel id on
zh-CN pages."""

from __future__ import annotations

from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run
from tests.incidents.test_upward import dispatch, webhook_missing

HTML = {"accept": "text/html"}


def test_a_failed_upward_report_says_why_in_the_pages_language(client, app, session, county, clock, settings, users):
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    clock.advance(minutes=20)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="written"))
    (up,) = [d for d in dispatch(session, clock, webhook_missing) if d.channel == "webhook"]
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    for path in (f"/incidents/{inc.id}", "/deliveries", f"/deliveries/{up.id}"):
        en = client.get(f"{path}?lang=en", headers=HTML).text
        assert "Channel “Webhook” is not set up" in en and "未配置" not in en, path
        zh = client.get(f"{path}?lang=zh-CN", headers=HTML).text
        assert "渠道“Webhook 接口”未配置" in zh and "渠道 webhook 未配置" not in zh, path
