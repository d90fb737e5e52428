"""Casualty figures (deaths, seriously injured, injured, missing) on both databases: each a count or 待核实 in the
API, console and CLI; 续报/终报 carry them; the incident's figures are the latest report's; a 待核实 reminder is met
when the figure is verified; a 终报 with figures still 待核实 must be confirmed and is flagged."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from models.incidents.records import Deadline, Incident
from services.incidents import board, intake
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, IncidentUpdate, ReportIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY, landslide


def _login(client, user="u_duty_officer"):
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _reminders(session, inc):
    return {d.element: d for d in session.exec(select(Deadline).where(Deadline.incident_id == inc.id,
                                                                       Deadline.kind == "unverified"))}


def test_every_figure_takes_a_count_or_unverified_in_the_api_and_console(client, app, tokens, users, county, clock,
                                                                         session):
    app.state.clock = clock
    for name in ("deaths", "seriously_injured", "injured", "missing"):
        r = client.post("/api/incidents", headers=tokens["duty_officer"],
                        json=landslide(county["town"].id, clock.now, **{name: "待核实"}))
        assert r.status_code == 201, (name, r.text)
        assert r.json()[f"{name}_unverified"] is True
    bad = client.post("/api/incidents", headers=tokens["duty_officer"],
                      json=landslide(county["town"].id, clock.now, deaths="好几个"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "deaths"
    csrf = _login(client)
    r = client.post("/incidents/new", follow_redirects=False, data={
        "title": "高观镇塌方", "category": "accident", "unit_id": str(county["town"].id),
        "received_at": "2026-07-15T02:10", "deaths": "待核实", "seriously_injured": "待核实", "csrf_token": csrf})
    assert r.status_code == 303, r.text
    made = session.get(Incident, __import__("uuid").UUID(r.headers["location"].rsplit("/", 1)[1]))
    assert made.deaths_unverified and made.seriously_injured_unverified


def test_followup_and_final_carry_figures_from_the_console(client, app, users, county, clock, session, settings):
    app.state.clock = clock
    inc = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                               now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first"))
    session.commit()
    assert set(_reminders(session, inc)) == {"injured"}  # 受伤 待核实 at intake
    csrf = _login(client)
    page = client.get(f"/incidents/{inc.id}").text
    assert 'id="report-figures"' in page and 'name="injured"' in page and 'value="待核实"' in page

    clock.advance(minutes=40)
    r = client.post(f"/incidents/{inc.id}/reports", follow_redirects=False, data={
        "kind": "followup", "channel": "written", "content": "续报", "deaths": "3", "seriously_injured": "1",
        "injured": "6", "missing": "待核实", "csrf_token": csrf})
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    session.expire_all()
    inc = session.get(Incident, inc.id)
    assert (inc.deaths, inc.seriously_injured, inc.injured, inc.missing_unverified) == (3, 1, 6, True)
    rem = _reminders(session, inc)
    assert rem["injured"].met_at == clock.now and rem["injured"].cancelled_at is None  # verified: met
    assert rem["missing"].met_at is None  # newly 待核实: its own reminder

    clock.advance(minutes=30)  # a 终报 with 失联 still 待核实 is refused until confirmed, and then flagged
    final = {"kind": "final", "channel": "written", "situation": "已处置", "handling": "完毕", "cause": "降雨",
             "aftermath": "安置", "deaths": "3", "seriously_injured": "1", "injured": "6", "missing": "待核实",
             "csrf_token": csrf}
    r = client.post(f"/incidents/{inc.id}/reports", follow_redirects=False, data=final)
    assert r.status_code == 422  # back on the page: the reason at 失联, the typed 终报 kept
    assert re.search(r'<p class="error" data-field="missing" id="e-missing">终报仍有待核实数字：失联', r.text)
    assert '<option value="final" selected>' in r.text and 'name="cause" id="f-cause" value="降雨"' in r.text
    session.expire_all()
    assert session.get(Incident, inc.id).status == "open"
    r = client.post(f"/incidents/{inc.id}/reports", follow_redirects=False, data={**final, "confirm_unverified": "on"})
    assert "error" not in r.headers["location"]
    page = client.get(f"/incidents/{inc.id}").text
    assert 'data-code="final_unverified"' in page and "终报时失联人数仍待核实" in page


def test_a_final_that_verifies_meets_the_reminder(session, county, clock, settings):
    inc = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                               now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first"))
    clock.advance(minutes=90)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="final", situation="x", handling="x", cause="x", aftermath="x", injured=4))
    row = _reminders(session, inc)["injured"]
    assert row.met_by == rep.id and row.cancelled_at is None and inc.injured == 4
    assert "final_unverified" not in {f.code for f in board.flags(session, inc, clock.now, settings)}


def test_the_figures_are_the_latest_reports_and_a_verified_update_meets_the_reminder(session, county, clock,
                                                                                    settings):
    inc = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                               now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first"))
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", deaths=4))
    late_entry = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                            data=ReportIn(kind="followup", deaths=3, reported_at=clock.now - timedelta(minutes=10)))
    assert inc.deaths == 4  # a report entered late for 10 minutes ago does not overwrite the newer figure
    assert late_entry.elements["casualties"]["deaths"] == 3
    intake.update_incident(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                           data=IncidentUpdate(injured=7))
    row = _reminders(session, inc)["injured"]
    assert row.met_at == clock.now and row.cancelled_at is None


def test_the_unverified_final_refusal_reads_in_one_language(session, county, clock, settings):
    """The refusal once read "…或确认按待核实终报 (figures still 待核实: verify, or confirm)" on every page: the
    English half had Chinese in it, so neither language could be shown alone."""
    import pytest

    from core.errors import Invalid, in_language

    inc = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now,
                                                                            injured="待核实")),
                               by=DUTY, now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first"))
    clock.advance(minutes=90)
    with pytest.raises(Invalid) as refused:
        add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                   data=ReportIn(kind="final", situation="x", handling="x", cause="x", aftermath="x"))
    zh, en = in_language(refused.value.reason, "zh-CN"), in_language(refused.value.reason, "en")
    assert zh.startswith("终报仍有待核实数字：受伤") and "verif" not in zh
    assert en.startswith("figures still unverified in the final report: injured") and not re.search(r"[\u4e00-\u9fff]", en)
