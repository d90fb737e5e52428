"""Console pages: the roster calendar with reasons and counts, the dashboard's on-duty table, scoping."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import PASSWORD
from tests.rosters.conftest import MONTH


def _login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def test_roster_page_shows_reasons_counts_and_dashboard_on_duty(client, users, generated):
    unit = generated["unit"]
    client.app.state.clock = lambda: datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month={MONTH}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "轮到" in page.text and 'id="fairness"' in page.text and 'data-status="draft"' in page.text
    home = client.get("/", headers={"accept": "text/html"})
    assert unit.name in home.text.split('id="on-duty"')[1].split("</section>")[0]
    for path in ("/leaves", "/swaps", "/handovers", "/rosters/holidays", "/rosters/gaps",
                 f"/rosters/{unit.id}/{MONTH}/print"):
        assert client.get(path, headers={"accept": "text/html"}).status_code == 200, path


def test_console_publish_and_reporter_scope(client, users, generated, directory):
    unit = generated["unit"]
    _login(client, "u_unit_reporter")
    page = client.get(f"/rosters?unit_id={unit.id}&month={MONTH}", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/rosters/{unit.id}/{MONTH}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"]
    page = client.get(f"/rosters?unit_id={unit.id}&month={MONTH}", headers={"accept": "text/html"})
    assert 'data-status="published"' in page.text
    other = client.get(f"/rosters?unit_id={directory['dept'].id}&month={MONTH}", headers={"accept": "text/html"})
    assert other.status_code == 403
