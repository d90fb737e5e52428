"""Shared fixtures: real databases (SQLite and PostgreSQL), isolated per test.

Each database is created fresh and migrated once per session; every test runs
inside an outer transaction that is rolled back, with the code's own commits
turned into savepoints. PostgreSQL comes from DUTYDESK_TEST_PG_URL (default
the local server); without it the PostgreSQL half is skipped, except in CI
(CI=true), where a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

os.environ.setdefault("DUTYDESK_ENVIRONMENT", "test")
# argon2 at its lowest cost (settings.passwords; default ~0.4 s of CPU a hash, six in every `users`): tests check
# who may log in, not how slowly. Set in the environment, so served apps and CLI subprocesses hash cheaply too.
for _knob, _cheap in (("TIME_COST", "1"), ("MEMORY_KIB", "8"), ("PARALLELISM", "1")):
    os.environ.setdefault(f"DUTYDESK_PASSWORDS__{_knob}", _cheap)

from core import db  # noqa: E402
from core.settings import Settings  # noqa: E402
from models import schema  # noqa: E402
from services import accounts  # noqa: E402

accounts.use_password_cost(**Settings().passwords.model_dump())  # fixtures hash before any app is built

PG_URL = os.environ.get("DUTYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct-horse-battery"


def _pg_available(url: str) -> bool:
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory):
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine():
    if not _pg_available(PG_URL):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL}: CI must test it")
        pytest.skip("PostgreSQL not reachable; set DUTYDESK_TEST_PG_URL")
    name = f"dutydesk_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = db.make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False), pool_size=5)
    schema.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def session(engine):
    """A session whose every commit is a savepoint inside a transaction rolled back at the end."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    # live streams end at once: a test client reads a whole response before it returns
    return Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"}, web={"live_stream_seconds": 0})


@pytest.fixture
def app(engine, session, settings):
    """The web app on the test's database and transaction (no clock, no flows)."""
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    return build_web_app(settings, engine, session_factory=same_session)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def directory(session):
    """A small directory: the hub, one town, one department, a person in each."""
    from models.directory import PersonCreate, UnitCreate, UnitType
    from services.directory import org

    hub = org.create_unit(session=session, actor="test", data=UnitCreate(name="县政府总值班室", code="hub",
                                                                         type=UnitType.county_office))
    town = org.create_unit(session=session, actor="test", data=UnitCreate(name="高观镇", code="t1", type=UnitType.town,
                                                                          parent_id=hub.id, duty_phone="0838-1234567"))
    dept = org.create_unit(session=session, actor="test", data=UnitCreate(name="应急管理局", code="d1", parent_id=hub.id))
    people = {
        u.code: org.create_person(session=session, actor="test", data=PersonCreate(name=f"{u.name}值班员", unit_id=u.id,
                                                                                   mobile="13900000001"))
        for u in (hub, town, dept)
    }
    session.commit()
    return {"hub": hub, "town": town, "dept": dept, "people": people}


@pytest.fixture
def users(session, directory):
    """One account per role (the unit reporter belongs to the town); password PASSWORD."""
    from models.accounts import Role, UserCreate
    from services import accounts

    out = {}
    for role in Role:
        unit = directory["town"] if role is Role.unit_reporter else directory["hub"]
        out[role.value] = accounts.create_user(session=session, actor="test", data=UserCreate(
            username=f"u_{role.value}", password=PASSWORD, role=role, unit_id=unit.id))
    session.commit()
    return out


@pytest.fixture
def tokens(session, users):
    """A bearer header per role."""
    from services import accounts

    out = {}
    for role, user in users.items():
        token, _ = accounts.create_api_token(session=session, user=user, name=f"test {role}", actor="test")
        out[role] = {"Authorization": f"Bearer {token}"}
    session.commit()
    return out


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks (its worker's own hook)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test`: `--dist loadgroup`) a module's tests run on one worker, in file order,
    as in a single process: its module fixtures (a browser, a served app with its dispatcher) start once, and
    a test that reads what its neighbour left on the browser tests' server finds it. A module that names its
    own `xdist_group` shares one worker with the other modules of that group; the tests on the Prefect test
    harness share one too, so it is entered (~17 s) once."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = "prefect_harness" if "prefect_harness" in item.fixturenames else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_sessionfinish(session, exitstatus):
    """A run in which no test passed fails loudly (CI must never go green on nothing).

    Under pytest-xdist only the controller judges: it sees every worker's results, a worker only its share."""
    if hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus not in (0, 5) or session.config.option.collectonly:
        return
    if not reporter.stats.get("passed"):
        reporter.write_line("FAILED: no test passed in this run (all skipped, deselected or none collected)", red=True)
        session.exitstatus = 5


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """A SQLite file migrated once per session (every migration is ~1 s of CPU): copy it, never open it."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    engine = db.make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()  # the last connection closed: the WAL is checkpointed into the file and removed
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def cli_db(tmp_path, monkeypatch, migrated_sqlite_file):
    """A migrated SQLite file (a copy of the session's) that the process-wide settings (CLI, flows) point at;
    caches reset around it."""
    from core import settings as config

    shutil.copyfile(migrated_sqlite_file, tmp_path / "cli.db")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = db.make_engine(url)
    schema.check_migrated(engine)
    monkeypatch.setenv("DUTYDESK_DB__URL", url)
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield engine
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    engine.dispose()


def run_cli(*args):
    """Invoke the `dutydesk` command in-process; returns typer's Result."""
    from typer.testing import CliRunner

    from dutydesk.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])
