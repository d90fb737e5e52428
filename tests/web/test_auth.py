"""Console login, lock-out, CSRF, logout, deactivation and API tokens, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from models.accounts import ApiToken
from models.directory import Unit
from tests.conftest import PASSWORD
from web.deps import SESSION_COOKIE


def login(client, username, password):
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


def csrf_of(client) -> str:
    """The CSRF token the console embeds in its forms."""
    page = client.get("/units/new")
    assert page.status_code == 200, page.text
    marker = 'name="csrf_token" value="'
    return page.text.split(marker, 1)[1].split('"', 1)[0]


def test_five_failures_lock_the_account_even_for_the_right_password(client, users):
    for _ in range(5):
        r = login(client, "u_duty_officer", "wrong")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = login(client, "u_duty_officer", PASSWORD)
    assert r.status_code == 401, "a locked account must refuse the correct password"
    assert SESSION_COOKIE not in r.cookies


def test_four_failures_do_not_lock(client, users):
    for _ in range(4):
        assert login(client, "u_duty_officer", "wrong").status_code == 401
    r = login(client, "u_duty_officer", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).status_code == 200


def test_console_post_without_csrf_token_is_refused_and_changes_nothing(client, users, session):
    assert login(client, "u_duty_officer", PASSWORD).status_code == 303
    form = {"name": "石桥镇", "code": "t9", "type": "town"}
    r = client.post("/units/new", data=form, follow_redirects=False)
    assert r.status_code == 403
    assert session.exec(select(Unit).where(Unit.code == "t9")).first() is None
    r = client.post("/units/new", data=form | {"csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    # the same form with the page's token goes through
    r = client.post("/units/new", data=form | {"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert session.exec(select(Unit).where(Unit.code == "t9")).one().name == "石桥镇"


def test_logout_ends_the_session_on_the_server(client, users):
    r = login(client, "u_admin", PASSWORD)
    cookie = r.cookies[SESSION_COOKIE]
    assert client.get("/units", follow_redirects=False).status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    # replaying the old cookie must not work: the session is gone, not just the browser's copy
    client.cookies.clear()
    r = client.get("/units", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_deactivated_users_session_and_token_stop_working(client, users, tokens):
    login(client, "u_duty_officer", PASSWORD)
    cookie = client.cookies[SESSION_COOKIE]
    assert client.get("/units", follow_redirects=False).status_code == 200
    client.cookies.clear()
    r = client.patch(f"/api/users/{users['duty_officer'].id}", headers=tokens["admin"], json={"active": False})
    assert r.status_code == 200, r.text
    r = client.get("/units", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/units", headers=tokens["duty_officer"]).status_code == 401
    assert login(client, "u_duty_officer", PASSWORD).status_code == 401


def test_unknown_and_revoked_tokens_are_401(client, tokens, users, session):
    assert client.get("/api/units", headers=tokens["leader"]).status_code == 200
    assert client.get("/api/units", headers={"Authorization": "Bearer dd_not-a-token"}).status_code == 401
    row = session.exec(select(ApiToken).where(ApiToken.user_id == users["leader"].id)).one()
    row.revoked_at = datetime.now(UTC)
    session.add(row)
    session.commit()
    r = client.get("/api/units", headers=tokens["leader"])
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_the_wall_screen_opening_the_front_page_lands_on_the_wall_unrefused(client, users, session):
    """The wall display's account has the wall alone: opening / (a bookmark, the address bar) takes it to /wall,
    with no 无权访问此页面 page and no refusal in the audit log; any other page it may not read is still refused."""
    from sqlalchemy import func

    from models.audit import AuditEntry

    def refusals():
        return session.exec(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "access_refused")).one()

    assert login(client, "u_display", PASSWORD).headers["location"] == "/wall"
    before = refusals()
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/wall"
    page = client.get("/")
    assert page.status_code == 200 and str(page.url).endswith("/wall") and "无权访问此页面" not in page.text
    assert refusals() == before
    # the language switch goes along: the wall comes up in English (the browser words walk opens /?lang=en)
    assert client.get("/?lang=en", follow_redirects=False).headers["location"] == "/wall?lang=en"
    assert '<html lang="en"' in client.get("/?lang=en").text
    assert client.get("/incidents", follow_redirects=False).status_code == 403
