"""A password change ends the account's other sessions; API tokens and iCal feeds can be revoked (API, CLI,
console), audited, and a revoked one answers 401 / 404."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.audit import AuditEntry
from services import accounts
from services.access import Actor
from services.rosters import ical
from tests.conftest import PASSWORD, run_cli
from web.deps import SESSION_COOKIE

NEW = "a-brand-new-passphrase"


def login(client, username, password):
    client.cookies.clear()
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


def csrf(client, path="/account/password") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def signed_in(client) -> bool:
    return client.get("/units", follow_redirects=False).status_code == 200


@pytest.fixture
def laptop_and_phone(app, client):
    with TestClient(app) as phone:
        yield client, phone


def test_changing_ones_password_ends_every_other_session(laptop_and_phone, users, session):
    laptop, phone = laptop_and_phone
    assert login(laptop, "u_leader", PASSWORD).status_code == 303
    assert login(phone, "u_leader", PASSWORD).status_code == 303  # e.g. a phone left logged in, or a thief's
    r = laptop.post("/account/password", data={"csrf_token": csrf(laptop), "current_password": PASSWORD,
                                               "password": NEW, "password_repeat": NEW}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "其他设备" in laptop.get(r.headers["location"]).text
    assert signed_in(laptop), "the session that changed the password stays"
    r = phone.get("/units", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert login(phone, "u_leader", PASSWORD).status_code == 401
    assert login(phone, "u_leader", NEW).status_code == 303
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.action == "update",
                                                  AuditEntry.actor == "u_leader")).one()
    assert entry.note == "password changed" and "password_hash" not in str(entry.after)


def test_a_wrong_current_password_changes_nothing(laptop_and_phone, users):
    laptop, phone = laptop_and_phone
    login(laptop, "u_duty_officer", PASSWORD)
    login(phone, "u_duty_officer", PASSWORD)
    r = laptop.post("/account/password", data={"csrf_token": csrf(laptop), "current_password": "not-it",
                                               "password": NEW, "password_repeat": NEW})
    assert r.status_code == 422 and "当前密码不正确" in r.text
    r = laptop.post("/account/password", data={"csrf_token": csrf(laptop), "current_password": PASSWORD,
                                               "password": NEW, "password_repeat": NEW + "x"})
    assert r.status_code == 422 and "两次输入的新密码不一致" in r.text
    assert signed_in(phone)
    assert login(phone, "u_duty_officer", PASSWORD).status_code == 303


def test_an_admin_setting_a_password_logs_that_user_out(client, users, tokens):
    login(client, "u_leader", PASSWORD)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    r = client.patch(f"/api/users/{users['leader'].id}", headers=tokens["admin"], json={"password": NEW})
    assert r.status_code == 200, r.text
    r = client.get("/units", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_password_change_revokes_that_users_api_tokens_audited(laptop_and_phone, users, tokens, session):
    """After a leak the owner changes the password: every token issued before stops at once (a token is as good as
    the password), other accounts' tokens keep working."""
    laptop, _ = laptop_and_phone
    assert laptop.get("/api/incidents", headers=tokens["leader"]).status_code == 200
    assert login(laptop, "u_leader", PASSWORD).status_code == 303
    r = laptop.post("/account/password", data={"csrf_token": csrf(laptop), "current_password": PASSWORD,
                                               "password": NEW, "password_repeat": NEW}, follow_redirects=False)
    assert r.status_code == 303, r.text
    laptop.cookies.clear()
    assert laptop.get("/api/incidents", headers=tokens["leader"]).status_code == 401
    assert laptop.get("/api/incidents", headers=tokens["duty_officer"]).status_code == 200
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "api_token", AuditEntry.action == "revoke")).one()
    assert entry.actor == "u_leader" and entry.note == "password changed" and entry.after["user"] == "u_leader"


def test_an_admin_setting_a_password_revokes_that_users_tokens_not_the_admins(client, users, tokens, session):
    r = client.patch(f"/api/users/{users['duty_officer'].id}", headers=tokens["admin"], json={"password": NEW})
    assert r.status_code == 200, r.text
    assert client.get("/api/incidents", headers=tokens["duty_officer"]).status_code == 401
    assert client.get("/api/incidents", headers=tokens["admin"]).status_code == 200
    r = client.patch(f"/api/users/{users['duty_officer'].id}", headers=tokens["admin"], json={"display_name": "值班员"})
    assert r.status_code == 200, r.text  # another change revokes nothing more
    revoked = session.exec(select(AuditEntry).where(AuditEntry.entity == "api_token", AuditEntry.action == "revoke")).all()
    assert [e.after["user"] for e in revoked] == ["u_duty_officer"]


def test_every_role_may_change_its_own_password_and_the_page_is_linked(client, users):
    for role in users:
        if role == "display":  # the wall screen's account is not a person's: an admin sets its password
            continue
        login(client, f"u_{role}", PASSWORD)
        home = client.get("/")
        assert 'href="/account/password"' in home.text, role
        assert client.get("/account/password").status_code == 200, role


# ---- API tokens ----

def test_an_admin_revokes_a_token_through_the_api_and_it_is_401_at_once(client, tokens, users, session):
    assert client.get("/api/units", headers=tokens["duty_officer"]).status_code == 200
    listed = client.get("/api/tokens", headers=tokens["admin"]).json()
    row = next(t for t in listed if t["username"] == "u_duty_officer")
    assert row["revoked_at"] is None and "token" not in row
    assert client.delete(f"/api/tokens/{row['id']}", headers=tokens["leader"]).status_code == 403
    r = client.delete(f"/api/tokens/{row['id']}", headers=tokens["admin"])
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get("/api/units", headers=tokens["duty_officer"])
    assert r.status_code == 401
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "api_token", AuditEntry.action == "revoke")).one()
    assert entry.actor == "token:u_admin" and entry.after["user"] == "u_duty_officer"
    assert client.delete("/api/tokens/00000000-0000-0000-0000-000000000000", headers=tokens["admin"]).status_code == 404


def test_the_console_revokes_a_token(client, tokens, users):
    login(client, "u_admin", PASSWORD)
    page = client.get("/accounts")
    assert 'id="token-list"' in page.text and "u_leader" in page.text
    row = next(t for t in client.get("/api/tokens", headers=tokens["admin"]).json() if t["username"] == "u_leader")
    r = client.post(f"/accounts/tokens/{row['id']}/revoke", data={"csrf_token": csrf(client, "/accounts")},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "令牌已吊销" in client.get(r.headers["location"]).text
    assert client.get("/api/units", headers=tokens["leader"]).status_code == 401


def test_the_cli_lists_and_revokes_tokens(cli_db):
    from sqlmodel import Session

    from models.accounts import Role, UserCreate

    with Session(cli_db) as s:
        user = accounts.create_user(session=s, actor="test", data=UserCreate(
            username="hotline", password=PASSWORD, role=Role.duty_officer))
        value, row = accounts.create_api_token(session=s, user=user, name="12345 热线", actor="test")
        s.commit()
        prefix = row.prefix
    for cmd in (["users", "--help"], ["users", "revoke-token", "--help"]):
        assert "revoke" in run_cli(*cmd).output.lower()
    listed = run_cli("users", "tokens")
    assert listed.exit_code == 0 and prefix in listed.output and "valid" in listed.output
    r = run_cli("users", "revoke-token", prefix)
    assert r.exit_code == 0, r.output
    with Session(cli_db) as s:
        assert accounts.resolve_api_token(session=s, token=value, now=row.created_at) is None
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "revoke", AuditEntry.actor == "cli")).one()
    assert "revoked" in run_cli("users", "tokens").output
    assert run_cli("users", "revoke-token", "dd_nothing").exit_code == 1


# ---- iCal feeds ----

def _feed(client, headers, unit_id) -> str:
    r = client.post("/api/ical-feeds", headers=headers, json={"kind": "unit", "ref_id": str(unit_id)})
    assert r.status_code == 201, r.text
    return r.json()["url"].split("/api/ical/", 1)[1]


def test_a_revoked_feed_answers_404(client, tokens, directory, session):
    town = directory["town"].id
    token = _feed(client, tokens["unit_reporter"], town)
    assert client.get(f"/api/ical/{token}").status_code == 200
    feeds = client.get("/api/ical-feeds", headers=tokens["unit_reporter"]).json()
    assert [f["ref_id"] for f in feeds] == [str(town)]
    feed_id = feeds[0]["id"]
    assert client.delete(f"/api/ical-feeds/{feed_id}", headers=tokens["auditor"]).status_code == 403
    r = client.delete(f"/api/ical-feeds/{feed_id}", headers=tokens["unit_reporter"])
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert client.get(f"/api/ical/{token}").status_code == 404
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "ical_feed", AuditEntry.action == "revoke")).one()
    assert entry.actor == "token:u_unit_reporter"


def test_a_unit_reporter_cannot_see_or_revoke_another_units_feed(client, tokens, directory):
    token = _feed(client, tokens["duty_officer"], directory["dept"].id)
    feed_id = client.get("/api/ical-feeds", headers=tokens["duty_officer"]).json()[0]["id"]
    assert client.get("/api/ical-feeds", headers=tokens["unit_reporter"]).json() == []
    assert client.delete(f"/api/ical-feeds/{feed_id}", headers=tokens["unit_reporter"]).status_code == 404
    assert client.get(f"/api/ical/{token}").status_code == 200


def test_the_console_lists_and_revokes_a_units_feed(client, users, directory, session):
    town = directory["town"].id
    token = ical.create_token(session=session, kind="unit", ref_id=town, by=Actor.system("test"))
    session.commit()
    login(client, "u_duty_officer", PASSWORD)
    page = client.get(f"/rosters?unit_id={town}")
    assert 'id="feed-list"' in page.text
    from models.rosters.duty import FeedToken

    made = session.exec(select(FeedToken)).one().created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    row = page.text.split('data-feed="', 1)[1].split("</tr>", 1)[0]
    assert f"<td>{made:%Y-%m-%d %H:%M}</td>" in row  # office time, as the page says (t15: it was UTC)
    feed_id = page.text.split('data-feed="', 1)[1].split('"', 1)[0]
    r = client.post(f"/rosters/feeds/{feed_id}/revoke", data={"csrf_token": csrf(client, f"/rosters?unit_id={town}")},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "订阅链接已吊销" in client.get(r.headers["location"]).text
    assert client.get(f"/api/ical/{token}.ics").status_code == 404


def test_the_cli_lists_and_revokes_feeds(cli_db):
    from sqlmodel import Session

    from models.directory import UnitCreate
    from services.directory import org

    with Session(cli_db) as s:
        unit = org.create_unit(session=s, actor="test", data=UnitCreate(name="高观镇", code="t1"))
        token = ical.create_token(session=s, kind="unit", ref_id=unit.id, by=Actor.system("test"))
        s.commit()
    assert "revoke" in run_cli("roster", "--help").output.lower()
    listed = run_cli("roster", "feeds", "--unit", "t1")
    assert listed.exit_code == 0 and "高观镇" in listed.output and "valid" in listed.output
    feed_id = listed.output.split()[0]
    assert run_cli("roster", "revoke-feed", feed_id).exit_code == 0
    with Session(cli_db) as s:
        assert ical.resolve(s, token) is None
    assert "revoked" in run_cli("roster", "feeds").output


def test_the_password_form_refuses_a_token_caller_with_a_reason_not_a_server_error(client, tokens):
    r = client.post("/account/password", headers=tokens["leader"],
                    data={"current_password": "not-it", "password": NEW, "password_repeat": NEW})
    assert r.status_code == 422 and "当前密码不正确" in r.text


def test_the_password_page_warns_that_a_change_revokes_the_tokens_and_ends_other_sessions(client, users, tokens):
    assert login(client, "u_leader", PASSWORD).status_code == 303
    page = client.get("/account/password").text
    warning = page.split('id="password-warning">', 1)[1].split("</p>", 1)[0]
    assert "API 令牌将被吊销" in warning and "其他设备" in warning
    assert "当前有 1 个有效的 API 令牌" in warning, "the leader's own token, counted"
    english = client.get("/account/password?lang=en").text
    assert "revokes all of this account" in english and "API tokens" in english


def test_a_password_change_revokes_the_ical_feeds_the_account_made_audited(client, users, tokens, directory,
                                                                            session):
    """Issue 14 (M8): sessions and tokens ended on a password change, but a feed made with the old password still
    answered 200. Feeds other accounts made keep working; the password page says so before the change."""
    mine = _feed(client, tokens["unit_reporter"], directory["town"].id)
    theirs = _feed(client, tokens["duty_officer"], directory["dept"].id)
    assert login(client, "u_unit_reporter", PASSWORD).status_code == 303
    warning = client.get("/account/password").text.split('id="password-warning">', 1)[1].split("</p>", 1)[0]
    assert "日历订阅也将被吊销" in warning
    r = client.post("/account/password", data={"csrf_token": csrf(client), "current_password": PASSWORD,
                                               "password": NEW, "password_repeat": NEW}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert client.get(f"/api/ical/{mine}").status_code == 404
    assert client.get(f"/api/ical/{theirs}").status_code == 200
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "ical_feed", AuditEntry.action == "revoke")).one()
    assert entry.actor == "u_unit_reporter" and entry.note == "password changed"
