"""The audit page's actor filter takes the name the page shows (issue 13): a display name (李明, or the last word of
"值班员 李明") finds that account's console and token entries, as its username does."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.accounts import UserUpdate
from services import accounts
from services.audit import record
from tests.conftest import PASSWORD
from tests.web.test_auth import login

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _entries(html: str) -> int:
    return html.count('class="card audit-entry"')


def test_the_actor_filter_takes_a_display_name_as_well_as_a_username(client, session, users):
    accounts.update_user(session=session, user_id=users["duty_officer"].id, actor="test",
                         data=UserUpdate(display_name="值班员 李明"))
    accounts.update_user(session=session, user_id=users["leader"].id, actor="test", data=UserUpdate(display_name="王芳"))
    for actor in ("u_duty_officer", "token:u_duty_officer", "u_leader"):
        record(session=session, actor=actor, action="remind", entity="reminder_notice", at=AT)
    session.commit()
    assert login(client, "u_auditor", PASSWORD).status_code == 303
    by_username = client.get("/audit", params={"action": "remind", "actor": "u_duty_officer"}).text
    for name in ("李明", "值班员 李明"):
        page = client.get("/audit", params={"action": "remind", "actor": name}).text
        assert _entries(page) == _entries(by_username) == 2, name
        assert "王芳" not in re.sub(r"<[^>]+>", "", page.split('id="audit-list"', 1)[1])
    assert _entries(client.get("/audit", params={"action": "remind", "actor": "王芳"}).text) == 1
    assert _entries(client.get("/audit", params={"action": "remind", "actor": "赵六"}).text) == 0
