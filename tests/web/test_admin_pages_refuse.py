"""Admin-only console pages answer as every console refusal does (issue 13): a non-admin gets the 403 refusal page,
audited as access_refused; an admin naming something that does not exist (an unknown API token, a channel not
configured) gets the 404 refusal page, never a redirect back with a notice or the form re-shown with "not found".

The pages are enumerated from the app (tests/web/test_access.ENDPOINTS): a new admin-only console page is walked
without editing this file; one taking an id or name needs a case in UNKNOWN."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from models.accounts import Role
from services import accounts
from tests.web.test_access import ENDPOINTS
from web.deps import CSRF_HEADER, SESSION_COOKIE

ADMIN_ONLY = sorted({(e.method, e.path) for e in ENDPOINTS if not e.api and e.permissions and e.allows(Role.admin)
                     and not any(e.allows(r) for r in Role if r is not Role.admin)})
# the admin-only pages naming a record, with a name or id nothing has
UNKNOWN = {
    "/accounts/tokens/{token_id}/revoke": ("/accounts/tokens/00000000-0000-0000-0000-000000000000/revoke", {}),
    "/channels/{name}/limits": ("/channels/nosuch/limits", {"rate_count": "5", "rate_seconds": "60",
                                                            "max_concurrency": "2"}),
    "/channels/{name}/test": ("/channels/nosuch/test", {"to": "13900000000"}),
}


@pytest.fixture
def engine(sqlite_engine):
    return sqlite_engine


def _refusals(session) -> int:
    table = SQLModel.metadata.tables["audit_entry"]
    session.expire_all()
    return session.execute(select(func.count()).select_from(table).where(table.c.action == "access_refused")).scalar()


def _cookie(session, user) -> dict:
    from datetime import UTC, datetime

    token, login = accounts.start_session(session=session, user=user, now=datetime.now(UTC), hours=1)
    session.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: login.csrf_token}


def test_the_walk_finds_the_admin_pages():
    paths = {p for _, p in ADMIN_ONLY}
    assert {"/accounts", "/accounts/tokens/{token_id}/revoke", "/channels/{name}/test"} <= paths
    assert {p for p in paths if "{" in p} <= UNKNOWN.keys(), "an admin page naming a record needs a case in UNKNOWN"


def test_a_non_admin_gets_the_audited_403_refusal_page_on_every_admin_page(client, session, users):
    wrong = []
    for role in ("duty_officer", "leader", "auditor", "unit_reporter"):
        headers = _cookie(session, users[role])
        for method, path in ADMIN_ONLY:
            url, form = UNKNOWN.get(path, (path, {}))
            before = _refusals(session)
            r = client.request(method, url, headers=headers, data=form if method != "GET" else None,
                               follow_redirects=False)
            if r.status_code != 403 or '<html lang="zh-CN"' not in r.text:
                wrong.append(f"{role} {method} {url}: {r.status_code} {r.headers.get('location', '')}")
            elif _refusals(session) != before + 1:
                wrong.append(f"{role} {method} {url}: refused but not audited")
            session.commit()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", sorted(UNKNOWN))
def test_an_admin_naming_what_does_not_exist_gets_the_404_refusal_page(client, session, users, path):
    url, form = UNKNOWN[path]
    r = client.post(url, headers=_cookie(session, users["admin"]), data=form, follow_redirects=False)
    assert r.status_code == 404, (url, r.status_code, r.headers.get("location"), r.text[:200])
    assert '<html lang="zh-CN"' in r.text and "flash" not in r.headers.get("set-cookie", "")
