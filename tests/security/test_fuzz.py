"""No 500 for any input: schemathesis over the app's OpenAPI, as an admin, a unit reporter and an auditor.

Every operation gets a bounded number of generated requests per role (fixed seed, so a failure reproduces),
on SQLite and on PostgreSQL; any 5xx fails the test and names the request that caused it. The app is the one
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
from schemathesis.generation import GenerationMode

ROLES = ("admin", "unit_reporter", "auditor")
EXAMPLES = 10  # per operation and role
SEED = 20261202
# Calls an operation makes to providers or that only stream static files are not input-handling code.
SKIP = {("POST", "/api/channels/{name}/test"), ("GET", "/readyz")}


@pytest.fixture
def known(directory, users) -> dict[str, list[str]]:
    """Ids that exist, by path parameter name: random UUIDs alone would only ever reach the 404s."""
    return {"unit_id": [str(u.id) for u in (directory["hub"], directory["town"], directory["dept"])],
            "person_id": [str(p.id) for p in directory["people"].values()],
            "user_id": [str(u.id) for u in users.values()]}


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


def _operations(schema):
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) not in SKIP:
            yield op


@pytest.mark.slow
def test_no_server_error_for_any_generated_request(fuzz_app, tokens, known):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    failures: list[str] = []
    started = time.monotonic()
    ops = list(_operations(schema))
    assert len(ops) > 90, "the OpenAPI lost operations"
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
                failures.append(f"{role}: {case.method} {case.formatted_path} raised {exc!r}")
                return
            if response.status_code >= 500:
                failures.append(f"{role}: {case.method} {case.formatted_path} -> {response.status_code}\n"
                                f"    {case.as_curl_command(headers=tokens[role])}\n"
                                f"    {response.text[:300]}")

        run()
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} server errors in {elapsed:.0f} s:\n" + "\n".join(failures[:60])
