"""The role walk: every route of the app, as anonymous and as each role, against web/access.py.

Routes are enumerated from `app.routes`, so routes added by later features are covered without
editing this file. A route must depend on `require(perm)` / `page(perm)` or be in PUBLIC.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import create_engine

from core.settings import Settings
from dutydesk.composition import build_web_app
from models.accounts import Role
from web.access import PERMISSIONS, home_page
from web.deps import CSRF_HEADER, SESSION_COOKIE, caller

# Reachable without logging in, on purpose. Exact paths, then prefixes.
PUBLIC_PATHS = {"/healthz", "/favicon.ico", "/readyz", "/metrics", "/login", "/logout", "/docs", "/docs/oauth2-redirect",
                "/redoc", "/openapi.json"}
# /api/ical/: calendar feeds authenticated by a secret token in the URL (calendar apps cannot log in).
PUBLIC_PREFIXES = ("/static", "/ack/", "/a/", "/callbacks/", "/api/callbacks/", "/api/ical/")
# Any signed-in caller, whatever the role (their own account).
SIGNED_IN_ONLY = {"/api/me"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # template, e.g. /api/units/{unit_id}
    url: str  # with sample values
    permissions: frozenset[str]
    signed_in: bool  # guarded by web.deps.caller

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def allows(self, role: Role) -> bool:
        return all(role in PERMISSIONS.get(p, frozenset()) for p in self.permissions)


def _guards(dependant) -> tuple[set[str], bool]:
    """Permissions named by require()/page() closures anywhere in the dependency tree, and whether `caller` is used."""
    perms, signed_in = set(), False
    for sub in dependant.dependencies:
        fn = sub.call
        code = getattr(fn, "__code__", None)
        if code is not None and "permission" in code.co_freevars and fn.__closure__:
            value = fn.__closure__[code.co_freevars.index("permission")].cell_contents
            if isinstance(value, str):
                perms.add(value)
        signed_in |= fn is caller
        more, more_signed = _guards(sub)
        perms |= more
        signed_in |= more_signed
    return perms, signed_in


def _sample(route) -> str:
    url = route.path_format
    for param in route.dependant.path_params:
        kind = getattr(param.field_info, "annotation", None) or param.type_
        value = {int: "1", str: "sample", datetime: "2026-01-01T08:30:00+08:00"}.get(kind, str(uuid.uuid4()))
        if kind is not None and getattr(kind, "__name__", "") == "date":
            value = "2026-01-01"
        url = url.replace("{" + param.name + "}", value)
    return url


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def endpoints() -> list[Endpoint]:
    """Every (method, route) of the app as built for production."""

    app = build_web_app(Settings(environment="test", flows={"mode": "off"}), create_engine("sqlite://"))
    found = []
    # FastAPI 0.150 includes routers lazily: iter_route_contexts flattens them with their prefixes.
    for route in iter_route_contexts(app.routes):
        if getattr(route, "dependant", None) is None:
            assert _is_public(route.path), f"{route.path} ({type(route.original_route).__name__}) has no role check"
            continue
        perms, signed_in = _guards(route.dependant)
        for method in sorted(route.methods):
            found.append(Endpoint(method, route.path, _sample(route), frozenset(perms), signed_in))
    return found


ENDPOINTS = endpoints()
GUARDED = [e for e in ENDPOINTS if e.permissions or e.signed_in]


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_every_route_checks_a_permission_or_is_public(ep):
    if _is_public(ep.path):
        return
    assert ep.permissions or (ep.signed_in and ep.path in SIGNED_IN_ONLY), (
        f"{ep.method} {ep.path} depends on neither require(...) nor page(...): add a permission from "
        f"web/access.py, or list it in PUBLIC_* of tests/web/test_access.py if it must be public")
    unknown = ep.permissions - PERMISSIONS.keys()
    assert not unknown, f"{ep.method} {ep.path} uses permissions missing from web/access.py: {sorted(unknown)}"


def test_the_walk_sees_api_and_console_routes():
    paths = {e.path for e in GUARDED}
    assert {"/api/units", "/api/users", "/units", "/accounts", "/audit", "/"} <= paths
    assert any(not ep.allows(Role.unit_reporter) for ep in GUARDED)  # the walk can expect a 403


@pytest.fixture
def walker(app, session, users, tokens):
    """Send one request as anonymous (role None) or as a role: bearer token for /api, cookie + CSRF for the console."""
    from fastapi.testclient import TestClient

    from services import accounts

    cookies = {}
    for role, user in users.items():
        token, login = accounts.start_session(session=session, user=user, now=datetime.now(UTC), hours=1)
        cookies[role] = {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: login.csrf_token}
    session.commit()

    with TestClient(app, raise_server_exceptions=False) as http:
        def send(ep: Endpoint, role: str | None):
            headers = {"Accept": "application/json"}
            if role is not None:
                headers |= tokens[role] if ep.api else cookies[role]
            try:
                return http.request(ep.method, ep.url, headers=headers, follow_redirects=False)
            finally:
                session.rollback()  # a failed request must not poison the next one (savepoint only)

        yield send


def test_anonymous_is_refused_everywhere(walker):
    problems = []
    for ep in GUARDED:
        r = walker(ep, None)
        if ep.api and r.status_code != 401:
            problems.append(f"{ep.method} {ep.url}: anonymous got {r.status_code}, expected 401")
        if not ep.api and not (r.status_code in (302, 303) and r.headers.get("location", "").startswith("/login")):
            problems.append(f"{ep.method} {ep.url}: anonymous got {r.status_code}, expected a redirect to /login")
    assert not problems, "\n".join(problems)


def test_each_role_gets_exactly_what_web_access_grants(walker):
    problems, denied_seen = [], 0
    for ep in GUARDED:
        for role in Role:
            r = walker(ep, role.value)
            where = f"{ep.method} {ep.url} as {role.value}"
            if r.status_code >= 500:
                problems.append(f"{where}: {r.status_code} {r.text[:200]}")
            elif not ep.allows(role):
                denied_seen += 1
                if ep.method == "GET" and ep.path == "/" and home_page(role) != "/":
                    # the front page sends an account with a home page of its own there (the wall screen: /wall)
                    if r.status_code != 303 or r.headers.get("location") != home_page(role):
                        problems.append(f"{where}: got {r.status_code}, expected a redirect to {home_page(role)}")
                elif r.status_code != 403:
                    problems.append(f"{where}: got {r.status_code}, web/access.py denies {sorted(ep.permissions)}")
            elif r.status_code == 401:
                problems.append(f"{where}: 401 although signed in and allowed")
            elif r.status_code == 403 and role is not Role.unit_reporter:
                # Unit reporters may be refused other units' rows (scope); no other role should be.
                problems.append(f"{where}: 403 although web/access.py grants {sorted(ep.permissions)}")
    assert denied_seen, "no denied (route, role) pair was exercised"
    assert not problems, "\n".join(problems)
