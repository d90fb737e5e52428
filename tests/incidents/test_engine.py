"""The engine part on a real, committed database: wakes at due rows, two instances never fire a step twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from core import db
from engine.clock import Clock
from engine.escalator import Escalator
from models import schema
from models.directory import PersonCreate, UnitCreate, UnitType
from models.incidents.escalation import Notice
from services.directory import org
from services.incidents import targets, wakeups
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY


@pytest.fixture
def committed(tmp_path, monkeypatch):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    schema.upgrade(engine)
    with Session(engine, expire_on_commit=False) as s:
        hub = org.create_unit(session=s, actor="t", data=UnitCreate(name="总值班室", code="hub",
                                                                    type=UnitType.county_office))
        town = org.create_unit(session=s, actor="t", data=UnitCreate(name="高观镇", code="t1", parent_id=hub.id))
        mk = lambda n, **kw: org.create_person(session=s, actor="t", data=PersonCreate(  # noqa: E731
            name=n, unit_id=hub.id, wecom_id=n, **kw))
        leader, head = mk("带班领导"), mk("县长", is_unit_head=True)
        mk("副县长", domain_categories=["natural_disaster"])
        s.commit()
    monkeypatch.setattr(targets, "on_duty_leaders", lambda session, unit_id, at: [session.get(type(leader), leader.id)])
    yield engine, town
    wakeups.WAKE_HOOKS.clear()
    engine.dispose()


def _notices(engine):
    with Session(engine) as s:
        return list(s.exec(select(Notice).where(Notice.purpose == "escalation")))


def test_two_engines_fire_each_step_once_at_its_time(committed, settings):
    engine, town = committed
    # the backup sweep as slow as it may be (5 s), so a step within 3 s of the commit was woken by the commit
    # itself (on a loaded 2-core machine the wake-up took 1.46 s once: the bound is the sweep, not a speed)
    settings = settings.model_copy(update={"incidents": settings.incidents.model_copy(update={"sweep_seconds": 5.0})})
    offset = {"d": timedelta(0)}
    fake_now = lambda: datetime.now(UTC) + offset["d"]  # noqa: E731
    clocks = [Clock("Asia/Shanghai"), Clock("Asia/Shanghai")]
    parts = [Escalator(c, engine, settings, instance=f"engine-{i}", now=fake_now) for i, c in enumerate(clocks)]
    for i, (c, p) in enumerate(zip(clocks, parts)):
        p.instance = f"engine-{i}"
        p.start()
        c.start()
    try:
        with Session(engine) as s:
            open_incident(session=s, by=DUTY, now=fake_now(), data=IncidentIn(
                title="山体滑坡", category="natural_disaster", unit_id=town.id, received_at=fake_now(), grade=2,
                deaths=0, grade_override_reason="按重大响应"), settings=settings)
            s.commit()
            committed_at = time.monotonic()
        while len(_notices(engine)) < 2 and time.monotonic() - committed_at < 5:
            time.sleep(0.02)
        first = time.monotonic() - committed_at
        assert sorted(n.recipient for n in _notices(engine)) == ["副县长", "带班领导"]
        assert first < 3.0, f"first step took {first:.2f}s"
        offset["d"] = timedelta(minutes=10)  # ten unacknowledged minutes later
        for p in parts:
            p.run()
        time.sleep(0.3)
        steps = sorted((n.step_seq, n.recipient) for n in _notices(engine))
        assert steps == [(0, "副县长"), (0, "带班领导"), (1, "县长")]  # each once, although both engines ran
    finally:
        for c in clocks:
            c.shutdown()
