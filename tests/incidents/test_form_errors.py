"""A refused save in the console on both databases: the service's reason at its field and in an error summary
(role=alert) at the top, never pydantic's "Value error, " prefix, the user's input kept."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident
from tests.conftest import PASSWORD
from tests.incidents.test_console import _form


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_refused_intake_shows_the_reason_at_the_field_and_on_top_and_keeps_what_was_typed(client, app, users, county,
                                                                                           clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county, deaths="很多", place="青龙村3组"), "first_report": "on",
                                            "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 422
    assert session.exec(select(Incident)).first() is None
    assert "Value error" not in r.text
    summary = re.search(r'<div class="error-summary[^>]*role="alert"[^>]*>(.*?)</div>', r.text, re.S)
    assert summary and "须为人数" in summary.group(1) and 'href="#f-deaths"' in summary.group(1)
    assert re.search(r'<p class="error" data-field="deaths" id="e-deaths">须为人数', r.text)
    assert re.search(r'<input name="deaths" id="f-deaths"[^>]*value="很多"[^>]*aria-invalid="true"', r.text)
    assert 'value="青龙村3组"' in r.text
    assert re.search(r'name="first_report" checked', r.text)  # 同时报送首报 still ticked
