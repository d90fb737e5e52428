"""A message after a console redirect travels in a flash cookie, shown once, never in the URL (both databases)."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from web.console.forms import FLASH_COOKIE


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_message_after_a_redirect_is_shown_once_and_not_in_the_url(client, users, roster_unit):
    head = roster_unit["leaders"][0]
    csrf = _login(client, "u_duty_officer")
    r = client.post("/leave-pairs", data={"csrf_token": csrf, "person_a": str(head.id), "person_b": ""},
                    follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"] and FLASH_COOKIE in r.cookies
    first = client.get(r.headers["location"])
    assert 'id="error"' in first.text
    again = client.get(r.headers["location"])  # a reload: the message is gone
    assert 'id="error"' not in again.text
