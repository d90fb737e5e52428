"""Security headers on every response; every console page, as each role, under a CSP it needs no inline script for;
/metrics behind its token when one is set."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import select

from core.settings import Settings
from models.accounts import Role, User
from models.deliveries import Delivery
from models.directory import Person, Unit
from models.incidents.records import Incident, Report
from models.spotchecks.checks import SpotCheckPlan
from models.spotchecks.inspections import Circular
from services import accounts
from web.deps import SESSION_COOKIE
from web.security import CSP


class InlineFinder(HTMLParser):
    """Collects what a strict CSP blocks: inline <script>, on* handlers, javascript: URLs, inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_of(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def assert_headers(r, where: str) -> None:
    h = r.headers
    assert h.get("content-security-policy") == CSP, where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") == "same-origin", where
    assert h.get("x-frame-options") == "DENY", where


def test_the_policy_forbids_inline_script_and_framing():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in CSP
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/healthz", "/metrics", "/api/units", "/static/app.js", "/nowhere",
                                  "/callbacks/none", "/api/ical/unknown.ics"])
def test_every_kind_of_response_carries_the_headers(client, path):
    r = client.get(path, follow_redirects=False)
    assert_headers(r, f"GET {path} -> {r.status_code}")


@pytest.fixture
def demo(session, settings):
    """The demo county in the test's transaction; ids for every console path parameter."""
    from dutydesk import demo as demo_data

    demo_data.seed(session, settings)
    session.commit()
    town = session.exec(select(Unit).where(Unit.code == "town01")).one()
    incident = session.exec(select(Incident).order_by(Incident.created_at)).first()
    report = session.exec(select(Report).where(Report.incident_id == incident.id)).first() if incident else None
    first = {model: session.exec(select(model)).first() for model in (SpotCheckPlan, Circular, Delivery)}
    ids = {"unit_id": town.id, "person_id": session.exec(select(Person).where(Person.unit_id == town.id)).first().id,
           "incident_id": incident.id if incident else None, "report_id": report.id if report else None,
           "plan_id": getattr(first[SpotCheckPlan], "id", None), "circular_id": getattr(first[Circular], "id", None),
           "delivery_id": getattr(first[Delivery], "id", None),
           "month": datetime.now(settings.tz).strftime("%Y-%m")}
    return {k: str(v) for k, v in ids.items() if v is not None}


def console_pages(app, ids) -> list[str]:
    """Every console GET page (no API, no files), its path parameters filled from the demo."""
    pages = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        if "GET" not in (getattr(route, "methods", None) or ()) or getattr(route, "dependant", None) is None:
            continue
        if path.startswith(("/api", "/static", "/callbacks", "/ack/")) or path in (
                "/healthz", "/readyz", "/metrics", "/favicon.ico", "/docs", "/docs/oauth2-redirect",
                # the live stream is no page; its poller would read the test's one shared session from a worker
                # thread while the next page renders (the "GET /login as display -> 500" flake)
                "/events") or path.endswith(("/docx", "/export")):
            continue
        for param in route.dependant.path_params:
            path = path.replace("{" + param.name + "}", ids.get(param.name, "00000000-0000-0000-0000-000000000000"))
        pages.append(path)
    return pages


def test_every_console_page_as_each_role_has_the_csp_and_no_inline_script(app, session, demo):
    pages = console_pages(app, demo)
    assert len(pages) >= 30 and "/" in pages and "/accounts" in pages
    rendered: dict[str, int] = {}
    problems = []
    with TestClient(app, raise_server_exceptions=False) as http:
        for role in Role:
            user = session.exec(select(User).where(User.role == role, User.active)).first()
            token, _ = accounts.start_session(session=session, user=user, now=datetime.now(UTC), hours=1)
            session.commit()
            http.cookies.set(SESSION_COOKIE, token)
            for path in pages:
                r = http.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
                session.rollback()
                where = f"GET {path} as {role.value} -> {r.status_code}"
                if r.status_code >= 500:
                    problems.append(where)
                    continue
                assert_headers(r, where)
                if r.headers.get("content-type", "").startswith("text/html"):
                    problems += [f"{where}: {what}" for what in inline_of(r.text)]
                    if r.status_code == 200:
                        rendered[role.value] = rendered.get(role.value, 0) + 1
    assert not problems, "\n".join(problems)
    people = [r for r in Role if r is not Role.display]  # the wall screen's account renders the wall alone
    assert rendered.get("admin", 0) >= 30 and all(rendered.get(r.value, 0) >= 8 for r in people), rendered
    assert rendered.get(Role.display.value) == 1, rendered


def test_the_login_and_acknowledgement_pages_have_no_inline_script(client):
    for path in ("/login", "/ack/not-a-token"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert_headers(r, path)
        assert inline_of(r.text) == [], path


def test_the_inline_finder_finds_what_the_csp_would_block():
    found = inline_of('<script>alert(1)</script><a onclick="x()" href="javascript:y()">a</a><p style="x">'
                      '<script src="/static/app.js"></script>')
    assert len(found) == 4


# ---- /metrics ----

@pytest.fixture
def metrics_client(engine, tmp_path):
    from dutydesk.composition import build_web_app

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                        ops={"metrics_token": "scrape-secret-123"})
    with TestClient(build_web_app(settings, engine)) as c:
        yield c


def test_metrics_need_the_token_when_one_is_set(metrics_client):
    assert metrics_client.get("/metrics").status_code == 401
    r = metrics_client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert metrics_client.get("/metrics", headers={"Authorization": "Basic scrape-secret-123"}).status_code == 401
    r = metrics_client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert r.status_code == 200 and "dutydesk_database_up" in r.text
    assert metrics_client.get("/healthz").status_code == 200  # health checks stay open for the balancer


def test_metrics_stay_open_without_a_token(client):
    assert client.get("/metrics").status_code == 200


def test_the_api_docs_load_nothing_from_the_internet(client):
    """An intranet has no CDN: /docs starts the Swagger UI shipped in web/static/vendor."""
    r = client.get("/docs")
    assert r.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in r.text
    assert "https://" not in r.text and "https:" not in r.headers["content-security-policy"]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui/swagger-ui.css").status_code == 200
