"""Long roster runs plan their chunks in a planner process: the rosters written are the ones planned in-process,
and a month published while its chunk was planned ahead is refused, not overwritten."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from core import db
from models.directory import PersonCreate, UnitCreate
from models.rosters.roster import RosterMonth, RosterSlot, RosterStatus
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from services.rosters.batch import plan_batch, write_batch
from services.rosters.calendar import load_calendar
from services.rosters.generate import generate_units
from services.rosters.publish import publish
from tests.scale.cluster import own_database

MONTHS = ["2026-11", "2026-12"]


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path):
    """A fresh database of its own (another process must see the committed units), six units with pools."""
    with own_database(request.param, tmp_path) as (engine, _url):
        units = []
        with Session(engine, expire_on_commit=False) as s:
            for u in range(6):
                unit = org.create_unit(session=s, actor="t", data=UnitCreate(name=f"镇{u}", code=f"t{u}"))
                people = {post: [org.create_person(session=s, actor="t", data=PersonCreate(
                    name=f"{post}{u}-{i}", unit_id=unit.id)).id for i in range(4)] for post in ("leader", "officer")}
                pol.ensure_default_posts(session=s, unit_id=unit.id, actor="t")
                for post, ids in people.items():
                    pol.set_pool(session=s, unit_id=unit.id, post=post, people=ids, by=Actor.system("t"))
                units.append(unit.id)
            s.commit()
        yield engine, units


def _slots(engine) -> list[tuple]:
    with Session(engine) as s:
        return sorted((str(r.unit_id), r.day, r.post, str(r.person_id), r.starts_at)
                      for r in s.exec(select(RosterSlot)))


def test_a_planner_process_writes_what_in_process_planning_writes(committed):
    engine, units = committed
    seen = []
    totals = generate_units(session_factory=lambda: db.session_scope(engine), unit_ids=units, months=MONTHS,
                            actor="t", chunk=2, planner=True, progress=lambda u, n: seen.append((u, n)), tz="Asia/Shanghai")
    assert totals["units"] == 6 and not totals["errors"] and totals["slots"] == 6 * 61 * 2
    assert sorted(u for u, _ in seen) == sorted(units) and all(n == 122 for _, n in seen)
    planned = _slots(engine)
    again = generate_units(session_factory=lambda: db.session_scope(engine), unit_ids=units, months=MONTHS,
                           actor="t", chunk=2, planner=False, tz="Asia/Shanghai")
    assert again["slots"] == totals["slots"] and _slots(engine) == planned
    with Session(engine) as s:
        months = s.exec(select(RosterMonth)).all()
    assert len(months) == 12 and {m.slots for m in months} == {60, 62}


def test_a_month_published_after_planning_is_refused_not_overwritten(committed):
    engine, units = committed
    generate_units(session_factory=lambda: db.session_scope(engine), unit_ids=units, months=MONTHS, actor="t",
                   planner=False, tz="Asia/Shanghai")
    before = _slots(engine)
    with Session(engine) as s:  # a planner reads the chunk ahead of its write
        plan = plan_batch(session=s, unit_ids=units[:2], months=MONTHS, calendar=load_calendar(session=s), tz="Asia/Shanghai")
    with db.session_scope(engine) as s:  # meanwhile someone publishes December of the first unit
        publish(session=s, unit_id=units[0], month="2026-12", now=datetime(2026, 11, 20, tzinfo=UTC), by=Actor.system("t"))
    with db.session_scope(engine) as s:
        results, errors = write_batch(session=s, plan=plan, actor="t")
    assert "published meanwhile" in errors[str(units[0])].reason and set(results) == {units[1]}
    mine = [r for r in _slots(engine) if r[0] == str(units[0])]
    assert mine == [r for r in before if r[0] == str(units[0])]
    with Session(engine) as s:
        dec = s.exec(select(RosterMonth).where(RosterMonth.unit_id == units[0], RosterMonth.month == "2026-12")).one()
    assert dec.status is RosterStatus.published and dec.version == 1
