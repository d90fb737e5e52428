"""Where a page names who did something, it names the account as people know it (the person it is linked to,
else its display name), not its login: 王海燕 签收, 登记（高观镇值班室）, 由王海燕并入 — read when the page is shown, from rows
that record the login (stored rows keep working; the API still gives what was recorded)."""

from __future__ import annotations

import re
from datetime import timedelta

from models.accounts import Role
from models.incidents.records import Report
from services.access import Actor
from services.incidents import acks, merge, upward
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from sqlmodel import select
from tests.conftest import PASSWORD
from tests.incidents.conftest import landslide


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_the_incident_page_names_accounts_not_logins(client, app, users, directory, county, clock, session, settings):
    users["duty_officer"].display_name = "王海燕"
    users["unit_reporter"].display_name = "高观镇值班室"
    session.add_all([users["duty_officer"], users["unit_reporter"]])
    session.commit()
    duty = Actor("u_duty_officer", Role.duty_officer, directory["hub"].id)
    town = Actor("u_unit_reporter", Role.unit_reporter, directory["town"].id)
    app.state.clock = clock
    kept = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=town,
                         now=clock.now, settings=settings)
    clock.advance(minutes=2)
    acks.receive(session=session, incident_id=kept.id, by=duty, now=clock.now)
    rep = add_report(session=session, incident_id=kept.id, by=duty, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="phone"))
    upward.record_phoned(session=session, incident_id=kept.id, report_id=rep.id, by=duty, now=clock.now, at=None,
                         caller="值班员李华", reached="市政府总值班室 李明")
    clock.advance(minutes=3)
    other = open_incident(session=session, data=IncidentIn(**landslide(
        county["town"].id, clock.now - timedelta(minutes=1), title="青龙村滑坡", source="群众电话")), by=duty,
        now=clock.now, settings=settings)
    merge.merge(session=session, incident_id=other.id, into_id=kept.id, by=duty, now=clock.now)
    session.commit()
    assert session.exec(select(Report.phoned_recorded_by).where(Report.id == rep.id)).one() == "u_duty_officer"

    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = _text(client.get(f"/incidents/{kept.id}").text)
    assert re.search(r"王海燕 签收 \d\d:\d\d:\d\d", page), page
    assert "登记（高观镇值班室）" in page
    assert "报告市政府总值班室 李明，王海燕登记" in page
    assert "合并「青龙村滑坡」为同一事件（王海燕）" in page
    merged = _text(client.get(f"/incidents/{other.id}").text)
    assert re.search(r"\d\d-\d\d \d\d:\d\d由王海燕并入", merged) and "（王海燕）" in merged
    for shown in (page, merged):
        assert "u_duty_officer" not in shown and "u_unit_reporter" not in shown

    english = _text(client.get(f"/incidents/{kept.id}?lang=en").text)
    assert "recorded by 王海燕" in english and "Logged (高观镇值班室)" in english
    api = client.get(f"/api/incidents/{kept.id}").json()  # the API keeps what was recorded
    assert any(a["name"] == "u_duty_officer" for a in api["acknowledgements"] if a["kind"] == "receipt")


def test_a_linked_account_shows_as_its_person_and_others_as_they_were_recorded(session, users, directory):
    """An account linked to a person shows as the person (何振华, not its display name 值班员 何振华), with or
    without the token: prefix the record may carry; a name that is no account (a person's, the engine) is left."""
    from services import accounts

    users["duty_officer"].display_name = "值班员 何振华"
    users["duty_officer"].person_id = directory["people"]["hub"].id
    users["auditor"].display_name = "审计员"
    session.add_all([users["duty_officer"], users["auditor"]])
    session.flush()
    names = accounts.shown_names(session=session, actors=["u_duty_officer", "token:u_duty_officer", "u_auditor",
                                                          "u_admin", "engine", "黄文静", ""])
    assert names == {"u_duty_officer": "县政府总值班室值班员", "token:u_duty_officer": "县政府总值班室值班员",
                     "u_auditor": "审计员", "u_admin": "u_admin"}
