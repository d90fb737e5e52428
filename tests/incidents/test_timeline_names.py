"""The timeline names people and channels as the office knows them (issue 17, night duty): the person linked to
the login (登记（何振华）, not 登记（duty）) and the channel's title (值班短信, not sms_duty)."""

from __future__ import annotations

import re

from sqlmodel import select

from models.accounts import User
from models.deliveries import ChannelConfig
from models.directory import Person, PersonCreate
from models.incidents.records import Incident
from services.directory import org
from services.incidents import board
from tests.incidents.test_console import _form
from tests.incidents.test_form_errors import _login


def test_the_timeline_shows_the_person_behind_the_login(client, app, users, county, clock, session):
    app.state.clock = clock
    person = org.create_person(session=session, actor="test", data=PersonCreate(
        name="何振华", title="值班员", unit_id=county["town"].id, mobile="13900000777"))
    account = session.exec(select(User).where(User.username == "u_duty_officer")).one()
    account.person_id = person.id
    session.add(account)
    session.commit()
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county), "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    timeline = page[page.index('data-kind="logged"'):][:400]
    assert "何振华" in timeline and "u_duty_officer" not in timeline


def test_channel_titles_and_people_for_the_timeline(session, county):
    session.add(ChannelConfig(name="sms_duty", kind="aliyun_sms", title="值班短信"))
    session.flush()
    names = board.shown_names(session, [{"values": {"by": "nobody"}}])
    assert names["channel_of"]["sms_duty"] == ("值班短信", "aliyun_sms") and names["person_of"] == {}
