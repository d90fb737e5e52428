"""A live page's refetch after an event: its regions, rendered once per change and scope (web/fragments.py).

What a user notices: the new incident appears on every open board of the duty office; a unit reporter of another
unit never sees it, however many boards share the render; each page's forms keep their own session's token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services import accounts
from tests.conftest import PASSWORD
from tests.incidents.conftest import landslide
from web.deps import SESSION_COOKIE
from web.fragments import Fragments, regions
from web.live import Hub

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def _login(session, user) -> dict:
    token, _ = accounts.start_session(session=session, user=user, now=NOW, hours=1)
    session.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


def _refetch(client, who: dict, version: str, path: str = "/incidents"):
    return client.get(path, headers={**who, "X-Live": version})


def _reporter(session, unit):
    from models.accounts import Role, UserCreate

    user = accounts.create_user(session=session, actor="test", data=UserCreate(
        username=f"reporter_{unit.code}", password=PASSWORD, role=Role.unit_reporter, unit_id=unit.id))
    session.commit()
    return user


def _setup(client):
    client.app.state.clock = lambda: NOW
    hub = client.app.state.live_hub = Hub(session_factory=None)
    return hub


def test_a_new_incident_reaches_the_board_viewers_never_another_units_reporter(client, session, directory, users,
                                                                               tokens):
    hub = _setup(client)
    duty, town = _login(session, users["duty_officer"]), _login(session, users["unit_reporter"])
    before = hub.version
    assert "应急局塌方" not in _refetch(client, duty, before).text
    r = client.post("/api/incidents", headers=tokens["duty_officer"],
                    json=landslide(directory["dept"].id, NOW - timedelta(minutes=5), title="应急局塌方"))
    assert r.status_code == 201, r.text
    hub.publish({"incidents"})  # what the poller does when it sees the incident's audit entry
    after = hub.version
    assert after != before
    boards = [_refetch(client, duty, after) for _ in range(3)]  # three open boards of the duty office
    assert all(b.status_code == 200 and "应急局塌方" in b.text for b in boards)
    assert 'id="board"' in boards[0].text and "<nav" not in boards[0].text  # the live regions only
    dept_board = _refetch(client, _login(session, _reporter(session, directory["dept"])), after)
    assert "应急局塌方" in dept_board.text  # the department's own reporter sees it
    fragments = client.app.state.live_fragments
    renders = fragments.renders
    town_board = _refetch(client, town, after)  # the same version, page and role; another unit
    assert town_board.status_code == 200 and 'id="board"' in town_board.text
    assert "应急局塌方" not in town_board.text
    assert fragments.renders == renders + 1  # its own render, not the department's
    mine = client.post("/api/incidents", headers=tokens["unit_reporter"],
                       json=landslide(directory["town"].id, NOW - timedelta(minutes=2), title="高观镇自己的事件"))
    assert mine.status_code == 201, mine.text
    hub.publish({"incidents"})
    town_board = _refetch(client, town, hub.version).text
    assert "高观镇自己的事件" in town_board and "应急局塌方" not in town_board


def test_three_boards_of_one_scope_cost_one_render(client, session, users):
    hub = _setup(client)
    hub.publish({"incidents"})
    viewers = [_login(session, users["duty_officer"]), _login(session, users["admin"]),
               _login(session, users["duty_officer"])]
    for who in viewers:
        assert _refetch(client, who, hub.version).status_code == 200
    fragments = client.app.state.live_fragments
    assert fragments.renders == 2  # the duty officer's two sessions share; the admin (another role) does not


def test_an_incident_page_keeps_each_sessions_own_form_token(client, session, directory, users, tokens):
    hub = _setup(client)
    r = client.post("/api/incidents", headers=tokens["duty_officer"],
                    json=landslide(directory["dept"].id, NOW - timedelta(minutes=5), grade=None))
    assert r.status_code == 201, r.text
    hub.publish({"incidents"})
    path = f"/incidents/{r.json()['id']}"
    pages = []
    for _ in range(2):
        who = _login(session, users["duty_officer"])
        token = accounts.resolve_session(session=session, token=who["Cookie"].split("=", 1)[1], now=NOW)[1].csrf_token
        pages.append((token, _refetch(client, who, hub.version, path).text))
    assert client.app.state.live_fragments.renders == 1
    for token, text in pages:
        sent = set(re.findall(r'name="csrf_token" value="([^"]+)"', text))
        assert sent == {token}, "a page's forms must carry its own session's token"


def test_without_an_events_version_the_whole_page_is_rendered(client, session, users):
    _setup(client)
    duty = _login(session, users["duty_officer"])
    for header in ({}, {"X-Live": "1"}, {"X-Live": "../etc"}):
        r = client.get("/incidents", headers={**duty, **header})
        assert r.status_code == 200 and "<nav" in r.text and 'id="board"' in r.text
    assert getattr(client.app.state, "live_fragments", None) is None or client.app.state.live_fragments.renders == 0


def test_another_units_incident_page_is_404_through_the_refetch_too(client, session, directory, users, tokens):
    hub = _setup(client)
    r = client.post("/api/incidents", headers=tokens["duty_officer"],
                    json=landslide(directory["dept"].id, NOW - timedelta(minutes=5)))
    hub.publish({"incidents"})
    path = f"/incidents/{r.json()['id']}"
    assert _refetch(client, _login(session, users["duty_officer"]), hub.version, path).status_code == 200
    assert _refetch(client, _login(session, users["unit_reporter"]), hub.version, path).status_code == 404


def test_the_regions_are_the_outermost_live_elements_with_an_id():
    html = ('<h1>x</h1><section id="a" data-live="incidents"><section><p>in</p></section>'
            '<div id="b" data-live="rosters">inner</div></section><div data-live="x">no id</div>'
            '<table id="c" data-live="deliveries"><tr><td>1</td></tr></table>')
    assert regions(html) == ('<section id="a" data-live="incidents"><section><p>in</p></section>'
                             '<div id="b" data-live="rosters">inner</div></section>\n'
                             '<table id="c" data-live="deliveries"><tr><td>1</td></tr></table>')


def test_an_entry_expires_and_the_cache_keeps_its_size():
    cache = Fragments(ttl=0.0, size=2)
    made = []
    for key in ("a", "a", "b", "c"):
        cache.get(key, lambda key=key: made.append(key) or key)
    assert made == ["a", "a", "b", "c"]  # a zero lifetime: every get renders
    cache = Fragments(ttl=60, size=2)
    for key in ("a", "b", "c", "a"):
        cache.get(key, lambda key=key: made.append(key) or key)
    assert made[4:] == ["a", "b", "c", "a"]  # "a" was dropped when "c" came in
