"""The request body limit of `serve` (before authentication), and reads that never fail because something writes."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from core import db
from core.settings import Settings
from models import schema
from services import audit

LIMIT = 64 * 1024


@pytest.fixture
def small_limit_client(engine, session, tmp_path):
    """The API tests' app with a 64 KiB body limit."""
    import contextlib

    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"}, web={"max_body_bytes": LIMIT})
    with TestClient(build_web_app(settings, engine, session_factory=same_session)) as c:
        yield c


def test_a_body_over_the_limit_is_413_in_chinese_before_authentication(small_limit_client):
    big = b"x" * (LIMIT + 1)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        r = small_limit_client.post("/api/units", content=big, headers={"Content-Type": "application/json", **headers})
        assert r.status_code == 413, r.text
        assert "请求体过大" in r.json()["detail"] and "MB" in r.json()["detail"]
    r = small_limit_client.post("/api/spotchecks/inspections/x/attachments", content=big,
                                headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413  # anonymous, an upload: still refused on its size first


def test_a_streamed_body_is_counted_and_refused_past_the_limit(small_limit_client, tokens):
    def chunks():
        for _ in range(8):
            yield b"y" * (LIMIT // 4)

    # no Content-Length: the body arrives in chunks; the app stops reading at the limit
    r = small_limit_client.post("/api/units/import", content=chunks(), headers={
        **tokens["admin"], "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413, r.text
    r = small_limit_client.post("/api/units", content=chunks(), headers={
        **tokens["admin"], "Content-Type": "application/json"})
    assert r.status_code == 413, r.text


def test_a_body_under_the_limit_goes_through(small_limit_client, tokens):
    body = '{"name": "新镇", "code": "n9"' + " " * (LIMIT - 100) + "}"  # just under the limit
    r = small_limit_client.post("/api/units", content=body.encode(),
                                headers={**tokens["admin"], "Content-Type": "application/json"})
    assert r.status_code == 201, r.text


@pytest.fixture
def file_db(tmp_path):
    """A migrated SQLite file of the test's own, with its real per-request sessions (no shared transaction)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    schema.upgrade(engine)
    yield engine
    engine.dispose()


def _admin_and_auditor_tokens(engine) -> dict[str, dict]:
    from models.accounts import Role, UserCreate
    from services import accounts

    out = {}
    with db.session_scope(engine) as s:
        for role in (Role.admin, Role.auditor):
            user = accounts.create_user(session=s, actor="test", data=UserCreate(
                username=f"busy_{role.value}", password="correct-horse-battery", role=role))
            s.flush()
            token, _ = accounts.create_api_token(session=s, user=user, name="busy", actor="test")
            out[role.value] = {"Authorization": f"Bearer {token}"}
    return out


def test_spotcheck_export_answers_200_while_something_writes(file_db, tmp_path):
    """The export's audit entry used to be written from its read transaction: 38 of 40 tries were a 503."""
    from dutydesk.composition import build_web_app

    tokens = _admin_and_auditor_tokens(file_db)
    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"})
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            with db.session_scope(file_db) as s:
                audit.record(session=s, actor="writer", action="tick", entity="test")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with TestClient(build_web_app(settings, file_db)) as client:
            codes = [client.get("/api/spotchecks/export?format=csv", headers=tokens["auditor"]).status_code
                     for _ in range(40)]
    finally:
        stop.set()
        thread.join(10)
    assert codes == [200] * 40, codes
    with Session(file_db) as s:
        exported = s.exec(text("SELECT count(*) FROM audit_entry WHERE entity = 'spotcheck_export'")).one()[0]
    assert exported == 40  # every export is still audited


def test_readiness_answers_while_a_writer_holds_the_lock(file_db, tmp_path):
    """A long write transaction (an import, a roster generation) is no reason to call the instance not ready."""
    from dutydesk.composition import build_web_app

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"})
    with file_db.connect() as holder:
        holder.execute(text("SELECT 1"))  # a write transaction (BEGIN IMMEDIATE): it holds the write lock
        with TestClient(build_web_app(settings, file_db)) as client:
            assert client.get("/readyz").json() == {"status": "ready"}
            assert "dutydesk_database_up 1.0" in client.get("/metrics").text
        holder.rollback()
