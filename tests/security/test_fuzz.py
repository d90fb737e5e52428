"""No 500 for any input, and every answer as documented: schemathesis over the app's OpenAPI, as an admin, a unit
reporter and an auditor.

Every operation gets a bounded number of generated requests per role (fixed seed, so a failure reproduces),
on SQLite and on PostgreSQL; any 5xx, or an answer that does not match the schema the OpenAPI declares for its
status code (schemathesis' not_a_server_error and response_schema_conformance checks), fails the test and names
the request that caused it. The app is the one
the API tests use, on the test's rolled-back transaction; each request runs in its own savepoint that is
released or rolled back as `core.db.session_scope` would commit or roll back, so one refused request cannot
poison the next.
"""

from __future__ import annotations

import contextlib
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

ROLES = ("admin", "unit_reporter", "auditor")
EXAMPLES = 10  # per operation and role
SEED = 20261202
# Sending a test message reaches out to the channel's provider (here a closed port): not input handling.
SKIP = {("POST", "/api/channels/{name}/test")}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def known(directory, users, session, settings) -> dict[str, list[str]]:
    """Ids that exist, by path parameter name: random UUIDs alone would only ever reach the 404s."""
    from models.deliveries import ChannelConfigCreate
    from services import deliveries

    deliveries.create_channel(session=session, actor="test", key=settings.secret_key.get_secret_value(),
                              data=ChannelConfigCreate(name="hook", kind="webhook",
                                                       config={"base_url": "http://127.0.0.1:9/x"}))
    from services.access import Actor
    from services.rosters import ical

    feed = ical.create_token(session=session, kind="unit", ref_id=directory["town"].id, by=Actor.system("test"))
    session.commit()
    return {"token": [feed],  # the iCal feed's own token: a real calendar, not only 404s
            "unit_id": [str(u.id) for u in (directory["hub"], directory["town"], directory["dept"])],
            "person_id": [str(p.id) for p in directory["people"].values()],
            "user_id": [str(u.id) for u in users.values()],
            "name": ["hook"]}


@pytest.fixture
def fuzz_app(engine, session, settings, tokens):
    """The web app on the test's transaction, a savepoint per request (committed or rolled back like production)."""
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def per_request():
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    return build_web_app(settings, engine, session_factory=per_request)


def _incident(app, headers, unit_id) -> str:
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    now = datetime.now(UTC)
    with TestClient(app) as client:
        r = client.post("/api/incidents", headers=headers, json={
            "title": "高观镇山体滑坡", "category": "natural_disaster", "type": "山体滑坡", "unit_id": unit_id,
            "occurred_at": (now - timedelta(minutes=25)).isoformat(), "received_at": now.isoformat(),
            "place": "青龙村3组", "source": "电话报告", "reporter": "李明", "reporter_contact": "13800001111",
            "deaths": 2, "missing": 3})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _operations(schema):
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) not in SKIP:
            yield op


@pytest.mark.slow
def test_no_server_error_for_any_generated_request(fuzz_app, tokens, known):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    known["incident_id"] = [_incident(fuzz_app, tokens["admin"], known["unit_id"][1])]
    failures: list[str] = []
    started = time.monotonic()
    ops = list(_operations(schema))
    assert len(ops) > 90, "the OpenAPI lost operations"
    assert any(op.path == "/api/ical/{token}.ics" for op in ops), "the iCal feed (public, token in the URL) is fuzzed too"
    for op in ops:
        strategy = st.tuples(st.sampled_from(ROLES), op.as_strategy(generation_mode=GenerationMode.POSITIVE)
                             | op.as_strategy(generation_mode=GenerationMode.NEGATIVE), st.data())

        @seed(SEED)
        @hsettings(max_examples=EXAMPLES * len(ROLES), deadline=None, database=None, derandomize=False,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(drawn):
            role, case, data = drawn
            for name in list(case.path_parameters or {}):
                if name in known and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
            try:
                response = case.call(headers=tokens[role])
            except Exception as exc:  # an exception the app let escape is a 500 too
                detail = exc.errors() if hasattr(exc, "errors") else ""  # a ResponseValidationError names the field
                failures.append(f"{role}: {case.method} {case.formatted_path} raised {exc!r} {str(detail)[:300]}\n"
                                f"    body: {str(case.body)[:300]}")
                return
            try:
                case.validate_response(response, checks=CHECKS, headers=tokens[role])
            except (Failure, FailureGroup) as exc:
                failures.append(f"{role}: {case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{str(exc).strip()[:400]}\n"
                                f"    {case.as_curl_command(headers=tokens[role])}\n"
                                f"    {response.text[:300]}")

        run()
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} server errors or undocumented answers in {elapsed:.0f} s:\n" + "\n".join(failures[:60])
