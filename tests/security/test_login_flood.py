"""Issue 13, S1: bogus logins in parallel must not hold up the duty officer's login.

Failures from pairs and addresses that failed recently are verified one at a time, apart from everyone else;
nothing waiting (to hash or to answer) holds a worker thread, a database session or a lock."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from services import accounts
from tests.conftest import PASSWORD
from web.deps import SESSION_COOKIE

FLOOD = 45  # more than the worker threads (40): blocked requests holding a thread each would starve the rest


def _login(client, username, password, address):
    return client.post("/login", data={"username": username, "password": password},
                       headers={"X-Forwarded-For": address}, follow_redirects=False)


def test_a_flood_of_failing_logins_does_not_queue_the_duty_officers(engine, session, tmp_path, users, monkeypatch):
    import contextlib

    from core.settings import Settings
    from dutydesk.composition import build_web_app

    one_at_a_time = threading.Lock()  # the test's one session is shared: its users take turns

    @contextlib.contextmanager
    def same_session():
        with one_at_a_time:
            yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                        web={"trusted_proxies": "10.0.0.5", "login_max_failures": 1000})
    app = build_web_app(settings, engine, session_factory=same_session)
    with TestClient(app, client=("10.0.0.5", 40000)) as c:
        for i in range(4):  # the attacker's addresses have failed before: their next failures are suspect
            assert _login(c, "u_duty_officer", "wrong", f"203.0.113.{i}").status_code == 401
        release, hashing = threading.Event(), threading.Event()
        real = accounts.verify_secret

        def slow_for_the_attacker(hashed, password):
            if password == "wrong":  # the attacker's verifications take "forever" (until released)
                hashing.set()
                release.wait(30)
            return real(hashed, password)

        monkeypatch.setattr(accounts, "verify_secret", slow_for_the_attacker)
        flood = [threading.Thread(target=_login, args=(c, "u_duty_officer", "wrong", f"203.0.113.{i % 4}"))
                 for i in range(FLOOD)]
        for t in flood:
            t.start()
        try:
            assert hashing.wait(10)
            answer = []
            officer = threading.Thread(target=lambda: answer.append(
                _login(c, "u_duty_officer", PASSWORD, "172.20.1.7")))
            officer.start()
            officer.join(15)  # generous: a login takes well under a second, the flood is held for 30 s
            assert answer and answer[0].status_code == 303 and SESSION_COOKIE in answer[0].cookies, \
                "the duty officer's login waited behind the attacker's"
            assert not release.is_set()
        finally:
            release.set()
            for t in flood:
                t.join(40)
