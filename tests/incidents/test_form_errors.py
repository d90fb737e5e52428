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


def test_a_bad_occurred_at_is_refused_at_that_field_in_the_pages_language(client, app, users, county, clock, session):
    """Issue 14 (M3): 2026-02-30T08:00 as 事发时间 was reported at 接报时间, in Python's English."""
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    for typed, why in (("2026-02-30T08:00", "该月没有这一天"), ("2026-12-04T25:61", "须为日期时间"),
                       ("abc", "须为日期时间")):
        r = client.post("/incidents/new", data={**_form(county), "occurred_at": typed, "csrf_token": csrf},
                        follow_redirects=False)
        assert r.status_code == 422, typed
        assert session.exec(select(Incident)).first() is None
        assert re.search(r'<p class="error" data-field="occurred_at" id="e-occurred_at">[^<]*' + why, r.text), typed
        assert 'data-field="received_at"' not in r.text
        assert "out of range" not in r.text and "isoformat" not in r.text
    client.cookies.set("dutydesk_lang", "en")
    r = client.post("/incidents/new", data={**_form(county), "occurred_at": "2026-02-30T08:00", "csrf_token": csrf},
                    follow_redirects=False)
    assert re.search(r'data-field="occurred_at" id="e-occurred_at">[^<]*day value is outside', r.text)


def test_a_bad_category_is_refused_in_its_labels_not_its_codes(client, app, users, county, clock, session):
    """Issue 14 (M5): 「须为以下之一：natural_disaster、accident…」 on a zh-CN page."""
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", data={**_form(county), "category": "volcano", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 422
    error = re.search(r'<p class="error" data-field="category"[^>]*>([^<]*)', r.text).group(1)
    assert "自然灾害" in error and "事故灾难" in error and "natural_disaster" not in error, error
