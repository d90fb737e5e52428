"""Truthful delivery on both databases: the timeline shows each message's live outcome and whom it was for; a failed
upward report is an alarm (incident page, board, dashboard) until re-sent or recorded as phoned; the yearly
statistics count an upward report only when it reached (delivered / taken by the city's system) or was phoned."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from core.settings import Settings
from dutydesk.composition import ALERT_SOURCES
from models.deliveries import Delivery
from services import alerts
from services.deliveries import SendOutcome, claim_due, record_result
from services.incidents import board, upward
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from services.spotchecks.stats import _incidents, _year_bounds
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run


def dispatch(session, clock, outcome) -> list[Delivery]:
    """One dispatcher pass in the test's transaction: every due message gets `outcome(row)`."""
    rows = claim_due(session=session, now=clock.now, worker="test")
    for d in rows:
        record_result(session=session, delivery_id=d.id, token=d.claim_token, outcome=outcome(d), now=clock.now)
    session.flush()
    return rows


def webhook_missing(d):
    return SendOutcome("permanent", error="渠道 webhook 未配置") if d.channel == "webhook" else SendOutcome("delivered")


def _reported_upward(session, settings) -> bool:
    lo, hi = _year_bounds(2026, settings.tz)
    return [r.reported_upward for r in _incidents(session, lo, hi, settings.tz)] == [True]


def _codes(session, clock):
    return {a.code for a in alerts.collect(session=session, now=clock.now, settings=Settings(), sources=ALERT_SOURCES)}


def test_a_failed_upward_report_alarms_until_phoned_and_is_not_counted(session, county, clock, recorder, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=20)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    recorder.expect("upward", "市政府总值班室")
    line = [e for e in board.timeline(session, inc) if e["kind"] == "upward"][0]
    assert line["state"] == "queued" and "待发送" in line["text"]

    dispatch(session, clock, webhook_missing)
    lines = {e["recipient"]: e for e in board.timeline(session, inc) if e["kind"] in ("upward", "escalation")}
    assert lines["市政府总值班室"]["state"] == "failed" and "发送失败" in lines["市政府总值班室"]["text"]
    assert "未配置" in lines["市政府总值班室"]["text"]
    assert lines["带班领导周文静"]["state"] == "delivered" and "已送达" in lines["带班领导周文静"]["text"]
    (row,) = [b for b in board.board(session, clock.now, by=DUTY, settings=settings) if b.incident.id == inc.id]
    assert [u.report.id for u in row.upward_failed] == [rep.id]
    assert "incident_upward_failed" in _codes(session, clock)
    assert not _reported_upward(session, settings)  # a failed send is not a report upward

    clock.advance(minutes=5)
    upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, at=None,
                         caller="值班员李华", reached="市政府总值班室张科长")
    (row,) = [b for b in board.board(session, clock.now, by=DUTY, settings=settings) if b.incident.id == inc.id]
    assert row.upward_failed == [] and "incident_upward_failed" not in _codes(session, clock)
    assert _reported_upward(session, settings)
    recorder.expect_none()


def test_a_resend_clears_the_alarm_and_counts_once_it_arrives(session, county, clock, recorder, settings):
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    assert upward.alarms(session, inc, [rep])
    recorder.new()
    clock.advance(minutes=3)  # the channel is fixed; the office sends it again
    upward.resend(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, settings=settings)
    recorder.expect("upward", "市政府总值班室")
    assert not upward.alarms(session, inc, [rep]) and not _reported_upward(session, settings)  # queued: not yet
    dispatch(session, clock, lambda d: SendOutcome("sent", provider_message_id="ok"))
    assert upward.statuses(session, inc, [rep])[rep.id].state == "sent" and _reported_upward(session, settings)
    states = [e["state"] for e in board.timeline(session, inc) if e["kind"] == "upward"]
    assert sorted(states) == ["failed", "sent"]  # both sends, each as it went


def test_the_incident_page_shows_the_alarm_and_records_a_phoned_report(client, app, users, county, clock, session,
                                                                       settings):
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{inc.id}").text
    assert 'id="upward-alarm"' in page and "发送失败" in page and 'data-upward="failed"' in page
    assert 'data-alarm="upward_failed">首报向上报送失败<' in client.get("/incidents").text
    assert 'data-alarm="upward_failed">Upward report failed: First report<' in client.get("/incidents?lang=en").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(f"/incidents/{inc.id}/reports/{rep.id}/phoned", follow_redirects=False, data={
        "csrf_token": csrf, "at": "2026-07-15T02:11", "caller": "值班员李华", "reached": ""})
    assert r.status_code == 422 and 'id="phoned-e-reached"' in r.text  # whom they reached: required, at its field
    assert 'value="值班员李华"' in r.text  # what was typed stays
    r = client.post(f"/incidents/{inc.id}/reports/{rep.id}/phoned", follow_redirects=False, data={
        "csrf_token": csrf, "at": "2026-07-15T02:11", "caller": "值班员李华", "reached": "张科长"})
    assert "error" not in r.headers["location"]
    page = client.get(f"/incidents/{inc.id}").text
    seen = re.sub(r"<[^>]+>", "", page)  # the text the officer reads (names are marked lang="zh-CN")
    assert 'id="upward-alarm"' not in page and 'data-upward="phoned"' in page and "值班员李华→张科长 02:11" in seen
    assert 'data-alarm="upward_failed"' not in client.get("/incidents").text
    assert session.exec(select(Delivery).where(Delivery.step.startswith("up:"))).all()


def test_a_refused_phoned_form_names_its_field_by_label_in_the_pages_language(client, app, users, county, clock,
                                                                             session, settings):
    """登记已电话报告 with a bad time: the page says 电话报告时间：该月没有这一天 (Phoned at: … on the English page),
    never the internal field name "at: …"."""
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    session.commit()
    client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/incidents/{inc.id}").text).group(1)
    for lang, label in (("zh-CN", "电话报告时间："), ("en", "Phoned at: ")):
        client.cookies.set("dutydesk_lang", lang)
        r = client.post(f"/incidents/{inc.id}/reports/{rep.id}/phoned?lang={lang}", follow_redirects=False, data={
            "csrf_token": csrf, "at": "2026-02-30T08:00", "caller": "值班员李华", "reached": "张科长"})
        assert r.status_code == 422, r.status_code
        error = re.search(r'id="action-error">([^<]*)<', r.text).group(1)
        assert error.startswith(label) and not error.startswith("at:"), error
        at_field = re.search(r'id="phoned-e-at">([^<]*)<', r.text).group(1)  # the reason at the field itself
        assert at_field and at_field in error and 'value="2026-02-30T08:00"' in r.text, at_field
        assert (re.search(r"[\u4e00-\u9fff]", error) is None) == (lang == "en"), error


def test_a_failed_send_does_not_meet_the_written_deadline(client, app, users, county, clock, session, settings):
    """The written deadline shows 报送失败 and stays open (the board counts it) until the report reaches the city."""
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{inc.id}").text
    deadlines_card = page.split('id="deadlines"')[1].split("</table>")[0]
    assert 'data-deadline="upward_failed"' in deadlines_card and "报送失败" in deadlines_card
    assert "已报" not in deadlines_card
    clock.advance(minutes=200)  # past every 首报 deadline with the send still failed: overdue on the board
    (row,) = [b for b in board.board(session, clock.now, by=DUTY, settings=settings) if b.incident.id == inc.id]
    assert row.overdue >= 1 and row.next_deadline is not None
    upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, at=None,
                         caller="值班员李华", reached="张科长")
    session.commit()
    deadlines_card = client.get(f"/incidents/{inc.id}").text.split('id="deadlines"')[1].split("</table>")[0]
    assert 'data-deadline="upward_failed"' not in deadlines_card and "已报" in deadlines_card


def test_an_open_incident_page_gets_the_new_report_and_the_failure_live(client, app, users, county, clock, session,
                                                                        settings):
    """The page open since the 首报: a 续报 and its failed upward delivery arrive in its live refetch (the 报告
    table and the alarm), as the figures and the timeline do."""
    from web.live import Hub

    app.state.clock = clock
    hub = app.state.live_hub = Hub(session_factory=None)
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, lambda d: SendOutcome("delivered"))
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/incidents/{inc.id}").text
    assert 'id="upward-live"' in page and 'id="upward-alarm"' not in page and "续报一" not in page
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", injured=5))
    dispatch(session, clock, webhook_missing)
    session.commit()
    hub.publish({"incidents", "deliveries"})
    live = client.get(f"/incidents/{inc.id}", headers={"X-Live": hub.version}).text
    assert "<nav" not in live  # the live regions only
    table = live[live.index('id="reports-table"'):]
    assert "续报一" in table[:table.index("</table>")] and 'data-upward="failed"' in table
    alarm = live[live.index('id="upward-live"'):]
    assert 'id="upward-alarm"' in alarm and "续报一" in alarm[:alarm.index("</section>")]
    assert 'id="report-form"' not in live  # the form being filled in is never swapped


def test_a_report_phoned_upward_shows_on_the_timeline(client, app, users, session, county, clock, recorder,
                                                      settings):
    """登记已电话报告 is on the incident's 处置时间线: when, who phoned, whom they reached (the night tester's M4)."""
    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    clock.advance(minutes=20)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    dispatch(session, clock, webhook_missing)
    clock.advance(minutes=5)
    upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now, at=None,
                         caller="值班员李华", reached="市政府总值班室张科长")
    (line,) = [e for e in board.timeline(session, inc) if e["kind"] == "phoned_upward"]
    assert line["at"] == clock.now and line["text"] == "首报已电话报告：值班员李华报告市政府总值班室张科长，duty登记"
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}").text)
    assert "首报已电话报告：值班员李华报告市政府总值班室张科长" in page
    en = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}?lang=en").text)
    assert "given upward by phone: 值班员李华 to 市政府总值班室张科长" in en


def test_a_call_given_to_the_minute_in_the_reports_own_minute_is_not_before_it(session, county, clock, recorder,
                                                                              settings):
    """The console's form gives the call's time in minutes (its default: now, 02:30): a report written at
    02:30:40 and phoned at once was refused as 电话报告时间早于该报告时间. The same minute counts as the report's time;
    a minute earlier is still refused."""
    from datetime import timedelta

    from core.errors import Invalid

    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    clock.advance(seconds=40)
    rep = add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written"))
    minute = rep.reported_at.replace(second=0, microsecond=0)
    with pytest.raises(Invalid):
        upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now,
                             at=minute - timedelta(minutes=1), caller="值班员李华", reached="市政府总值班室张科长")
    got = upward.record_phoned(session=session, incident_id=inc.id, report_id=rep.id, by=DUTY, now=clock.now,
                               at=minute, caller="值班员李华", reached="市政府总值班室张科长")
    assert got.phoned_upward_at == rep.reported_at


def test_after_the_final_report_a_daily_followup_whose_send_failed_is_not_required(client, app, users, county, clock,
                                                                                   session, settings):
    """The 08:00 续报 went up and failed; then the 终报 came (phoned): the 08:00 row reads 已终报，无需续报, not
    报送失败 with a countdown, and the board has no live deadline for the closed incident."""
    from models.incidents.records import Deadline

    app.state.clock = clock
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone"))
    (slot,) = session.exec(select(Deadline).where(Deadline.incident_id == inc.id, Deadline.kind == "followup")).all()
    clock.now = slot.due_at - timedelta(minutes=10)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", situation="续报"))
    dispatch(session, clock, webhook_missing)
    session.commit()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    card = client.get(f"/incidents/{inc.id}").text.split('id="deadlines"')[1].split("</table>")[0]
    assert 'data-deadline="upward_failed"' in card  # before the 终报: a live failed deadline
    clock.advance(hours=3)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="final", channel="phone", situation="已处置", handling="完毕", cause="降雨",
                             aftermath="安置", deaths=2, injured=4, missing=0))
    session.commit()
    card = client.get(f"/incidents/{inc.id}").text.split('id="deadlines"')[1].split("</table>")[0]
    (morning,) = [tr for tr in card.split("<tr>") if "每日定时续报（08:00）" in tr]
    assert 'data-deadline="final_done"' in morning and "已终报，无需续报" in morning and "报送失败" not in morning
    card = client.get(f"/incidents/{inc.id}?lang=en").text.split('id="deadlines"')[1].split("</table>")[0]
    assert "Final report in: no follow-up needed" in card
    (row,) = [b for b in board.board(session, clock.now, by=DUTY, settings=settings, include_closed=True)
              if b.incident.id == inc.id]
    assert row.next_deadline is None or row.next_deadline.kind != "followup"
