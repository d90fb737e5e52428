""""On duty now" is kept per process between changes: every change a duty officer makes shows at the next call.

The answer for all units is kept until the next slot boundary or until the roster stamp changes (triggers on
slots, people's names and units' names, codes and phones; migrations 0002e, 0002f); after a change only the
units it touched are read again. Each test asks once (so the answer is kept), changes something the way the
console or another process would, and asks again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from core import db
from models.directory import Person, PersonCreate, Unit, UnitCreate, UnitType
from models.rosters.roster import RosterSlot
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from services.rosters import publish
from services.rosters.generate import generate_month
from services.rosters import views
from services.rosters.views import on_duty_now
from tests.rosters.conftest import MONTH, NOW
from tests.scale import cluster

AT = NOW.replace(month=12, day=5)  # 10:00 local on Dec 5


def _running_leader(session, unit_id) -> RosterSlot:
    return session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit_id, RosterSlot.post == "leader",
                                                 RosterSlot.starts_at <= AT, RosterSlot.ends_at > AT)).one()


def test_a_reassigned_leader_shows_at_once(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    before = on_duty_now(session=session, now=AT)[0]["leader"]
    slot = _running_leader(session, unit.id)
    other = next(p for p in roster_unit["leaders"] if p.id != slot.person_id)
    publish.reassign(session=session, slot_id=slot.id, person_id=other.id, by=Actor.system("test"), tz="Asia/Shanghai")
    session.flush()
    assert on_duty_now(session=session, now=AT)[0]["leader"] == other.name != before


def test_a_renamed_person_and_unit_show_at_once(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    on_duty_now(session=session, now=AT)
    slot = _running_leader(session, unit.id)
    session.exec(update(Person).where(Person.id == slot.person_id).values(name="改名的领导"))
    session.exec(update(Unit).where(Unit.id == unit.id).values(duty_phone="0838-7654321"))
    row = on_duty_now(session=session, now=AT)[0]
    assert (row["leader"], row["phone"]) == ("改名的领导", "0838-7654321")


def test_the_next_slot_shows_once_the_handover_passes(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    slot = _running_leader(session, unit.id)
    today = on_duty_now(session=session, now=AT)[0]["leader"]
    assert on_duty_now(session=session, now=slot.ends_at - timedelta(seconds=1))[0]["leader"] == today
    tomorrow = session.get(Person, _next_leader(session, slot).person_id).name
    assert on_duty_now(session=session, now=slot.ends_at)[0]["leader"] == tomorrow != today


def _next_leader(session, slot: RosterSlot) -> RosterSlot:
    return session.exec(select(RosterSlot).where(RosterSlot.unit_id == slot.unit_id, RosterSlot.post == "leader",
                                                 RosterSlot.starts_at == slot.ends_at)).one()


def _town(s: Session, name: str = "高观镇", code: str = "t1") -> Unit:
    town = org.create_unit(session=s, actor="test", data=UnitCreate(name=name, code=code, type=UnitType.town))
    for post, word in (("leader", "领导"), ("officer", "值班员")):
        people = [org.create_person(session=s, actor="test", data=PersonCreate(name=f"{name}{word}{i}",
                                                                               unit_id=town.id))
                  for i in range(3)]
        if post == "leader":
            pol.ensure_default_posts(session=s, unit_id=town.id, actor="test")
        pol.set_pool(session=s, unit_id=town.id, post=post, people=[p.id for p in people], by=Actor.system("test"))
    return town


def test_a_change_committed_by_another_process_shows_at_once(engine, tmp_path):
    """Another process is another engine on the same database: the web instance's kept answer must not hold."""
    with cluster.own_database(engine.dialect.name, tmp_path) as (own, url):
        with Session(own, expire_on_commit=False) as s:
            town = _town(s)
            generate_month(session=s, unit_id=town.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
            s.commit()
        with Session(own) as s:
            before = on_duty_now(session=s, now=AT)[0]["leader"]
        other = db.make_engine(url)  # "another process": its own engine and connections
        try:
            with Session(other) as s:
                s.exec(update(Person).where(Person.id == _running_leader(s, town.id).person_id).values(name="别处改名"))
                s.commit()
        finally:
            other.dispose()
        with Session(own) as s:
            assert on_duty_now(session=s, now=AT)[0]["leader"] == "别处改名" != before


def _two_towns(own) -> tuple[Unit, Unit]:
    with Session(own, expire_on_commit=False) as s:
        towns = _town(s, "高观镇", "t1"), _town(s, "石牛镇", "t2")
        for town in towns:
            generate_month(session=s, unit_id=town.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
        s.commit()
    return towns


def _swap_leader(s: Session, town: Unit) -> str:
    """Put another leader of the town's pool on its running leader slot; the new leader's name."""
    slot = _running_leader(s, town.id)
    other = s.exec(select(Person).where(Person.unit_id == town.id, Person.id != slot.person_id,
                                        Person.name.like("%领导%"))).first()
    s.exec(update(RosterSlot).where(RosterSlot.id == slot.id).values(person_id=other.id))
    return other.name


def _by_code(rows) -> dict:
    return {r["code"]: r for r in rows}


def test_after_a_change_elsewhere_only_the_changed_unit_is_read_again_and_every_unit_is_right(engine, tmp_path,
                                                                                            monkeypatch):
    """The first call after a committed change (the live dashboard's case) reads only the units it touched."""
    with cluster.own_database(engine.dialect.name, tmp_path) as (own, url):
        a, b = _two_towns(own)
        with Session(own) as s:
            before = _by_code(on_duty_now(session=s, now=AT))
            s.commit()
        other = db.make_engine(url)
        try:
            with Session(other) as s:
                new_leader = _swap_leader(s, a)
                s.commit()
            built = []
            real = views._build
            monkeypatch.setattr(views, "_build", lambda conn, now, unit_ids=None: built.append(unit_ids) or
                                real(conn, now, unit_ids))
            with Session(own) as s:
                after = _by_code(on_duty_now(session=s, now=AT))
                s.commit()
            assert [[str(u) for u in ids] for ids in built] == [[str(a.id)]]
            assert after["t1"]["leader"] == new_leader != before["t1"]["leader"]
            assert after["t2"] == before["t2"]
            with Session(other) as s:  # a unit's phone, then a person's name, each committed elsewhere
                s.exec(update(Unit).where(Unit.id == b.id).values(duty_phone="0838-1112222"))
                s.commit()
            with Session(own) as s:
                assert _by_code(on_duty_now(session=s, now=AT))["t2"]["phone"] == "0838-1112222"
                s.commit()
            with Session(other) as s:
                s.exec(update(Person).where(Person.id == _running_leader(s, b.id).person_id).values(name="石牛新名"))
                s.commit()
            with Session(own) as s:
                rows = _by_code(on_duty_now(session=s, now=AT))
            assert (rows["t1"]["leader"], rows["t2"]["leader"]) == (new_leader, "石牛新名")
            assert len(built) == 3
        finally:
            other.dispose()


def test_a_change_rolled_back_never_shows_even_after_later_changes(engine, tmp_path):
    """An answer read inside a transaction that then rolls back must not be the base of later answers."""
    with cluster.own_database(engine.dialect.name, tmp_path) as (own, url):
        a, b = _two_towns(own)
        with Session(own) as s:
            before = _by_code(on_duty_now(session=s, now=AT))
            s.commit()
        with Session(own) as s:  # a console request that changes a slot, shows the board, then fails
            phantom = _swap_leader(s, a)
            assert _by_code(on_duty_now(session=s, now=AT))["t1"]["leader"] == phantom
            s.rollback()
        other = db.make_engine(url)
        try:
            with Session(other) as s:  # two commits: the stamp goes past the rolled-back version
                new_b = _swap_leader(s, b)
                s.commit()
            with Session(other) as s:
                s.exec(update(Unit).where(Unit.id == b.id).values(duty_phone="0838-1112222"))
                s.commit()
        finally:
            other.dispose()
        with Session(own) as s:
            rows = _by_code(on_duty_now(session=s, now=AT))
        assert rows["t1"]["leader"] == before["t1"]["leader"] != phantom
        assert (rows["t2"]["leader"], rows["t2"]["phone"]) == (new_b, "0838-1112222")


def test_a_deleted_slot_and_a_new_month_show_at_once(engine, tmp_path):
    with cluster.own_database(engine.dialect.name, tmp_path) as (own, url):
        a, b = _two_towns(own)
        with Session(own) as s:
            assert set(_by_code(on_duty_now(session=s, now=AT))) == {"t1", "t2"}
            s.commit()
        with Session(own) as s:
            s.exec(RosterSlot.__table__.delete().where(RosterSlot.unit_id == b.id))
            s.commit()
        with Session(own) as s:
            assert set(_by_code(on_duty_now(session=s, now=AT))) == {"t1"}
            s.commit()
        with Session(own) as s:  # slots inserted: the triggers do not say which units, so all are read again
            generate_month(session=s, unit_id=b.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
            s.commit()
        with Session(own) as s:
            assert set(_by_code(on_duty_now(session=s, now=AT))) == {"t1", "t2"}


def test_several_officers_keep_their_order_when_their_unit_is_read_again(engine, tmp_path):
    """Three officers on one slot: after a change the rebuilt unit names them as a build of every unit does,
    and as the unit's own view does (slot order), not in whatever order an index returns them."""
    from models.rosters.roster import DutyPost

    with cluster.own_database(engine.dialect.name, tmp_path) as (own, url):
        with Session(own, expire_on_commit=False) as s:
            towns = _town(s, "高观镇", "t1"), _town(s, "石牛镇", "t2")
            s.exec(update(DutyPost).where(DutyPost.name == "officer").values(count=3))
            for town in towns:
                generate_month(session=s, unit_id=town.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
            s.commit()
        with Session(own) as s:
            on_duty_now(session=s, now=AT)
            s.commit()
        for i, town in enumerate(towns):
            with Session(own) as s:
                s.exec(update(Unit).where(Unit.id == town.id).values(duty_phone=f"0838-765432{i}"))
                s.commit()
            with Session(own) as s:
                rebuilt = _by_code(on_duty_now(session=s, now=AT))[town.code]
                own_view = on_duty_now(session=s, now=AT, unit_id=town.id)[0]
                views._KEPT.clear()
                from_nothing = _by_code(on_duty_now(session=s, now=AT))[town.code]
            assert rebuilt["officers"].count("、") == 2
            assert rebuilt["officers"] == from_nothing["officers"] == own_view["officers"]
