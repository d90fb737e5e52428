"""The audit chain: writers only insert, the sealer chains, verify names tampering (both databases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import Session, select

from models.audit import AuditEntry
from services import audit

NOW = datetime(2026, 11, 26, 1, tzinfo=UTC)


def _write(session, n, actor="duty"):
    for i in range(n):
        audit.record(session=session, actor=actor, action="create", entity="incident", entity_id=f"i{i}",
                     after={"place": "高观镇", "deaths": i})
    session.flush()


def test_entries_wait_unsealed_until_the_sealer_chains_them(session):
    before = audit.pending(session=session)
    _write(session, 5)
    assert audit.pending(session=session) == before + 5
    assert audit.seal(session=session) == before + 5
    assert audit.pending(session=session) == 0
    checked, problems = audit.verify(session=session)
    assert problems == [] and checked >= 5


def test_verify_names_an_edited_a_deleted_and_an_unsealed_entry(session):
    _write(session, 6)
    audit.seal(session=session)
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.chain_pos.desc()).limit(6)).all()[::-1]
    edited, deleted, after_deleted, unsealed, after_unsealed = rows[1], rows[2], rows[3], rows[4], rows[5]
    session.execute(update(AuditEntry).where(AuditEntry.seq == edited.seq).values(actor="someone-else"))
    session.execute(delete(AuditEntry).where(AuditEntry.seq == deleted.seq))
    session.execute(update(AuditEntry).where(AuditEntry.seq == unsealed.seq).values(chain_pos=None))
    session.expire_all()
    _, problems = audit.verify(session=session)
    named = {(p.seq, p.reason.split(" (")[0]) for p in problems}
    assert (edited.seq, "entry content altered") in named
    assert (after_deleted.seq, "previous entry missing or altered") in named
    assert (after_unsealed.seq, "previous entry missing or altered") in named


def test_check_is_recorded_and_shown_to_auditors(client, tokens, session):
    _write(session, 2)
    session.commit()
    r = client.post("/api/audit/verify", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    assert r.json()["problems"] == [] and r.json()["pending"] == 0
    assert client.get("/api/audit/verify", headers=tokens["auditor"]).json()["checked"] == r.json()["checked"]
    assert client.post("/api/audit/verify", headers=tokens["unit_reporter"]).status_code == 403


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_writers_never_wait_for_the_chain_and_seal_cleanly(engine):
    """Eight threads commit entries at once; one seal chains them all in commit-safe order."""
    marker = f"conc-{datetime.now(UTC).timestamp()}"

    def writer(k):
        for _ in range(10):
            with Session(engine) as s:
                _write(s, 3, actor=f"{marker}-{k}")
                s.commit()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        with Session(engine) as s:
            audit.seal(session=s)
            s.commit()
            checked, problems = audit.verify(session=s)
            mine = s.execute(text("SELECT count(*) FROM audit_entry WHERE actor LIKE :m AND chain_pos IS NOT NULL"),
                             {"m": f"{marker}%"}).scalar()
        assert problems == []
        assert mine == 8 * 10 * 3
    finally:
        with Session(engine) as s:  # leave the shared database as other tests expect it
            s.execute(text("DELETE FROM audit_entry"))
            s.commit()
