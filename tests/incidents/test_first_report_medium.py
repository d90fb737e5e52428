"""The console records how the 首报 went (issue 17, night duty): phoned to the city or in writing. A phone 首报
sends nothing upward; the report form's 首报 option names its medium and never pairs a phone 首报 with 书面."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident, Report
from tests.incidents.test_console import _form
from tests.incidents.test_form_errors import _login


def _kind_options(html: str) -> list[tuple[str, str]]:
    select_ = re.search(r'<select name="kind" id="f-kind".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select_)


def test_the_intake_form_records_a_phoned_first_report(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    form = client.get("/incidents/new").text
    assert 'name="first_report_channel" value="phone"' in form and "已电话报告上级" in form
    r = client.post("/incidents/new", data={**_form(county), "first_report": "on", "first_report_channel": "phone",
                                            "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    inc = session.exec(select(Incident)).one()
    (rep,) = session.exec(select(Report).where(Report.incident_id == inc.id)).all()
    assert (rep.kind, rep.channel, rep.sent_upward_at) == ("first", "phone", None)
    options = _kind_options(client.get(f"/incidents/{inc.id}").text)
    assert ("first:written", "首报（书面）") in options  # the written one is still to come
    assert not any(v.startswith("first:phone") for v, _ in options)


def test_the_report_form_names_the_medium_of_each_first_report(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county), "csrf_token": csrf}, follow_redirects=False)
    inc = session.exec(select(Incident)).one()
    page = client.get(r.headers["location"]).text
    assert _kind_options(page) == [("first:phone", "首报（电话）"), ("first:written", "首报（书面）")]
    # 首报（电话） with the (for 续报/终报) channel select left at 书面: a phone 首报, nothing sent upward
    r = client.post(f"/incidents/{inc.id}/reports", data={"kind": "first:phone", "channel": "written",
                                                         "send_upward": "on", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    (rep,) = session.exec(select(Report).where(Report.incident_id == inc.id)).all()
    assert (rep.channel, rep.sent_upward_at) == ("phone", None)
    options = _kind_options(client.get(f"/incidents/{inc.id}").text)
    assert [o for o in options if o[0].startswith("first")] == [("first:written", "首报（书面）")]
