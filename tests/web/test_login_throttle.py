"""Login throttling: per account *and* address, progressive, behind trusted proxies only; no user enumeration."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from services import accounts
from tests.conftest import PASSWORD
from web.deps import SESSION_COOKIE

PROXY = "10.0.0.5"


@pytest.fixture
def proxied(engine, session, tmp_path, users):
    """The console behind a trusted reverse proxy at PROXY: requests come from the proxy, the client's address
    is in X-Forwarded-For; plus a second client connecting directly (not through the proxy)."""
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                        web={"trusted_proxies": f"{PROXY},192.168.0.0/16"})
    app = build_web_app(settings, engine, session_factory=same_session)
    with TestClient(app, client=(PROXY, 40000)) as via_proxy, TestClient(app, client=("198.51.100.9", 40001)) as direct:
        yield app, via_proxy, direct


def login(client, username, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    client.cookies.clear()
    return client.post("/login", data={"username": username, "password": password}, headers=headers,
                       follow_redirects=False)


def test_many_spoofed_addresses_cannot_lock_the_duty_officer_out(proxied):
    _, via_proxy, _ = proxied
    for i in range(60):  # an attacker choosing a new address for every try
        assert login(via_proxy, "u_duty_officer", "wrong", f"203.0.113.{i}").status_code == 401
    r = login(via_proxy, "u_duty_officer", PASSWORD, "172.20.1.7")  # the duty officer, from their own desk
    assert r.status_code == 303 and SESSION_COOKIE in r.cookies


def test_the_attackers_own_address_is_locked(proxied):
    _, via_proxy, _ = proxied
    for _ in range(5):
        assert login(via_proxy, "u_duty_officer", "wrong", "203.0.113.1").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "203.0.113.1").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "172.20.1.7").status_code == 303


def test_x_forwarded_for_from_anyone_but_a_trusted_proxy_is_ignored(proxied):
    _, _, direct = proxied
    for i in range(5):  # a direct client cannot escape its lock-out by inventing addresses
        assert login(direct, "u_duty_officer", "wrong", f"203.0.113.{i}").status_code == 401
    assert login(direct, "u_duty_officer", PASSWORD, "203.0.113.200").status_code == 401


def test_the_last_untrusted_hop_counts_not_what_the_client_wrote(proxied):
    """A client may prepend anything to X-Forwarded-For; the proxy appends the real address, which counts."""
    _, via_proxy, _ = proxied
    for i in range(5):
        assert login(via_proxy, "u_duty_officer", "wrong", f"1.2.3.{i}, 203.0.113.1").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "9.9.9.9, 203.0.113.1").status_code == 401
    # a chain of trusted proxies (192.168.0.0/16) is walked back to the first address that is not one
    assert login(via_proxy, "u_duty_officer", PASSWORD, "172.20.1.7, 203.0.113.1, 192.168.3.3").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "203.0.113.1, 172.20.1.7, 192.168.3.3").status_code == 303


def test_one_address_trying_many_accounts_is_locked_too(proxied):
    _, via_proxy, _ = proxied
    for i in range(20):
        login(via_proxy, f"guess{i}", "wrong", "203.0.113.50")
    assert login(via_proxy, "u_duty_officer", PASSWORD, "203.0.113.50").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "203.0.113.51").status_code == 303


def test_lockouts_grow_each_time_they_recur(app, client, users):
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    now = [t0]
    app.state.clock = lambda: now[0]
    for _ in range(5):
        login(client, "u_leader", "wrong")
    now[0] = t0 + timedelta(minutes=14)
    assert login(client, "u_leader", PASSWORD).status_code == 401, "the first lock-out lasts 15 minutes"
    now[0] = t0 + timedelta(minutes=16)
    for _ in range(5):
        login(client, "u_leader", "wrong")
    now[0] = t0 + timedelta(minutes=16 + 29)
    assert login(client, "u_leader", PASSWORD).status_code == 401, "the second one 30 minutes"
    now[0] = t0 + timedelta(minutes=16 + 31)
    assert login(client, "u_leader", PASSWORD).status_code == 303


@pytest.mark.parametrize("username", ["nobody-at-all", "u_inactive", "locked"])
def test_a_decided_refusal_hashes_nothing_but_waits_as_long_as_a_verification(client, users, session, monkeypatch,
                                                                             username):
    """Unknown and inactive users and a locked pair are refused without an argon2 verification (issue 13: thirty
    bogus logins in parallel held every login up ~1 s each): they sleep on the event loop for as long as a
    verification takes, so they cannot be told from a known user's wrong password by timing."""
    import asyncio

    from models.accounts import Role, UserCreate, UserUpdate

    gone = accounts.create_user(session=session, actor="test", data=UserCreate(
        username="u_inactive", password=PASSWORD, role=Role.leader))
    accounts.update_user(session=session, user_id=gone.id, data=UserUpdate(active=False), actor="test")
    session.commit()
    if username == "locked":
        for _ in range(5):
            login(client, "u_leader", "wrong")
        username = "u_leader"
    checked, slept = [], []
    real, real_sleep = accounts.verify_secret, asyncio.sleep
    monkeypatch.setattr(accounts, "verify_secret", lambda h, v: checked.append(h) or real(h, v))
    monkeypatch.setattr(accounts, "verify_floor", lambda: 0.05)

    async def sleep(delay, *args, **kwargs):
        if delay > 0:
            slept.append(delay)
        return await real_sleep(delay, *args, **kwargs)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    assert login(client, username, PASSWORD).status_code == 401
    assert checked == [], "no password hashed for an outcome already decided"
    assert len(slept) == 1 and 0 < slept[0] <= 0.05, "it waits the verification's time instead"
    slept.clear()
    assert login(client, "u_duty_officer", "wrong").status_code == 401
    assert len(checked) == 1, "a known user's wrong password is verified"


def test_a_wildcard_or_a_name_is_not_a_proxy():
    with pytest.raises(ValueError, match="not an address"):
        Settings(environment="test", web={"trusted_proxies": "*"})
    assert Settings(environment="test", web={"trusted_proxies": " 10.0.0.1 , fd00::/8"}).web.proxies == [
        "10.0.0.1", "fd00::/8"]


@pytest.fixture
def slowed(engine, session, tmp_path, users):
    """Behind the proxy, with the account-wide limit low enough to reach in a test."""
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                        web={"trusted_proxies": PROXY, "login_account_max_failures": 12})
    with TestClient(build_web_app(settings, engine, session_factory=same_session), client=(PROXY, 40000)) as c:
        yield c


def test_guessing_one_account_from_many_addresses_is_slowed_but_not_at_the_users_own_desk(slowed):
    assert login(slowed, "u_duty_officer", PASSWORD, "172.20.1.7").status_code == 303  # their desk, seen before
    for i in range(12):  # an attacker choosing a new address for every try
        assert login(slowed, "u_duty_officer", "wrong", f"203.0.113.{i}").status_code == 401
    r = login(slowed, "u_duty_officer", PASSWORD, "198.18.0.1")
    assert r.status_code == 401, "even the right password from yet another address is refused while slowed"
    assert login(slowed, "u_leader", PASSWORD, "198.18.0.1").status_code == 303, "other accounts are not slowed"
    assert login(slowed, "u_duty_officer", PASSWORD, "172.20.1.7").status_code == 303, "the desk still logs in"
    assert login(slowed, "u_duty_officer", PASSWORD, "198.18.0.2").status_code == 303, "and that lifts the slow-down"


def test_a_last_hop_that_is_not_an_ip_address_is_ignored(proxied):
    """Issue 13 (cosmetic): `X-Forwarded-For: evil` counted as the client's address; now the proxy's own counts
    (so inventing names escapes nothing)."""
    _, via_proxy, _ = proxied
    for i in range(5):
        assert login(via_proxy, "u_duty_officer", "wrong", f"not-an-ip-{i}").status_code == 401
    assert login(via_proxy, "u_duty_officer", PASSWORD, "yet-another-name").status_code == 401, \
        "the five failures counted for the proxy's address, which is locked for this account"
    assert login(via_proxy, "u_duty_officer", PASSWORD, "172.20.1.7").status_code == 303
