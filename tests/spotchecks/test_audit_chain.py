"""Spot-check records are in the hash chain; editing or deleting an audit row is named by `dutydesk audit verify`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update
from sqlmodel import Session, select

from core import db
from core.settings import Settings
from models import schema
from models.audit import AuditEntry
from models.directory import UnitCreate
from models.spotchecks.checks import PhoneCheckCreate
from services.audit.checks import Keeper
from services.directory import org
from services.spotchecks import plans, results
from tests.spotchecks.conftest import SETTINGS

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)


def _verify(url: str, data_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "DUTYDESK_DB__URL": url, "DUTYDESK_ENVIRONMENT": "test", "DUTYDESK_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "dutydesk.cli", "audit", "verify"], env=env, capture_output=True,
                          text=True, timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_tampering_with_a_spot_check_entry_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = db.make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        town = org.create_unit(session=session, actor="t", data=UnitCreate(name="高观镇", code="t1", type="town",
                                                                            duty_phone="0838-1"))
        # the unit was recorded at the real time; the rest of this test's office works at NOW, before it: dated
        # like the rest, or verify rightly calls the later entries back-dated
        session.execute(update(AuditEntry).values(at=NOW - timedelta(minutes=10)))
        plans.make_plan(session=session, quarter="2026Q4", seed=1, actor="t", now=NOW, settings=SETTINGS)
        check = results.record_manual(session=session, actor="duty", now=NOW, settings=SETTINGS, data=PhoneCheckCreate(
            unit_id=town.id, started_at=NOW - timedelta(minutes=3), outcome="no_answer"))
        results.correct(session=session, check_id=check.id, reason="误记", actor="duty", now=NOW, settings=SETTINGS,
                        data=PhoneCheckCreate(started_at=NOW - timedelta(minutes=3), outcome="normal"))
        session.commit()
        keeper = Keeper.of(Settings(environment="test", data_dir=tmp_path))  # the key and anchors the CLI uses
        keeper.seal(session=session, now=NOW)  # the engine does this every second
        session.commit()
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
        target = next(e for e in entries if e.entity == "phone_check" and e.action == "create")
        assert keeper.verify(session=session, now=NOW) == (len(entries), [])
    ok = _verify(url, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with engine.begin() as conn:  # someone quietly turns the failure into a pass in the log
        conn.execute(text("UPDATE audit_entry SET after = :a WHERE seq = :s"),
                      {"a": '{"outcome": "normal"}', "s": target.seq})
        conn.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": entries[0].seq})  # and drops the first
    bad = _verify(url, tmp_path)
    assert bad.returncode == 1
    assert f"第 {target.chain_pos} 号记录内容被修改" in bad.stdout
    assert f"第 {entries[0].chain_pos} 号记录被删除" in bad.stdout  # the deleted entry by its own number
    engine.dispose()
