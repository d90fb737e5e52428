"""`dutydesk roster generate --months N`: every month not yet published is planned around a published one, units
are named by code or name (an ambiguous name is refused with the candidates) and printed by name, and a year the
holiday calendar does not fully know is a warning naming the missing festivals (CLI and API)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import Session, select

from models.directory import PersonCreate, Unit, UnitCreate, UnitType
from models.rosters.roster import HolidayDay, HolidayKind, RosterMonth, RosterSlot
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from tests.conftest import run_cli as run

SYSTEM = Actor.system("test")


@pytest.fixture
def units(cli_db):
    """高观镇 (gg) with posts and pools; two departments both named 应急管理局 (yj1 closed, yj2), without posts."""
    with Session(cli_db) as s:
        town = org.create_unit(session=s, actor="test", data=UnitCreate(name="高观镇", code="gg", type=UnitType.town))
        # two units named alike: the old 应急管理局 (yj1, closed, its name since reused) and the new one (yj2)
        old = org.create_unit(session=s, actor="test", data=UnitCreate(name="应急管理局", code="yj1"))
        old.active = False
        s.add(old)
        s.flush()
        org.create_unit(session=s, actor="test", data=UnitCreate(name="应急管理局", code="yj2"))
        pol.ensure_default_posts(session=s, unit_id=town.id, actor="test")
        for post, prefix in (("leader", "领导"), ("officer", "值班员")):
            people = [org.create_person(session=s, actor="test", data=PersonCreate(
                name=f"{prefix}{i}", unit_id=town.id, mobile=f"1390000{i:04d}")) for i in range(3)]
            pol.set_pool(session=s, unit_id=town.id, post=post, people=[p.id for p in people], by=SYSTEM)
        s.commit()
        return {"engine": cli_db, "town": town.id}


def _state(engine, unit_id):
    with Session(engine) as s:
        months = {m.month: (m.status.value, m.version, m.generated_at) for m in s.exec(
            select(RosterMonth).where(RosterMonth.unit_id == unit_id))}
        slots = sorted((r.day, r.post, r.person_id) for r in s.exec(select(RosterSlot).where(
            RosterSlot.unit_id == unit_id)))
    return months, slots


def test_months_around_a_published_one_are_planned_and_it_is_left_alone(units):
    engine, town = units["engine"], units["town"]
    r = run("roster", "generate", "--unit", "高观镇", "--month", "2026-11", "--months", "3")
    assert r.exit_code == 0, r.output
    assert run("roster", "publish", "--unit", "gg", "--month", "2026-12").exit_code == 0
    months, slots = _state(engine, town)
    december = [x for x in slots if x[0].month == 12]
    r = run("roster", "generate", "--unit", "gg", "--month", "2026-11", "--months", "3")
    assert r.exit_code == 0, r.output
    assert "高观镇 (gg)：2026-12（第 1 版）已发布，未重新生成（加 --force 重新生成）" in r.output
    assert "published" not in r.output and "left alone" not in r.output and "units," not in r.output
    assert str(town) not in r.output
    after, slots_after = _state(engine, town)
    assert after["2026-12"] == months["2026-12"]  # not regenerated, version unchanged
    assert [x for x in slots_after if x[0].month == 12] == december
    for m in ("2026-11", "2027-01"):  # planned again, before and after the published month
        assert after[m][0] == "draft" and after[m][2] > months[m][2]
    assert {x[0].month for x in slots_after} == {11, 12, 1}
    # 2027 is beyond the package and the table is empty: the warning names the festivals
    assert "提醒：2027 年节假日安排不完整，缺少：元旦、春节、清明节、劳动节、端午节、中秋节、国庆节" in r.output


def test_an_english_deployment_hears_generate_in_english(units, monkeypatch):
    from core import settings as config

    assert run("roster", "generate", "--unit", "gg", "--month", "2026-12").exit_code == 0
    assert run("roster", "publish", "--unit", "gg", "--month", "2026-12").exit_code == 0
    monkeypatch.setenv("DUTYDESK_WEB__DEFAULT_LANGUAGE", "en")
    config.get_settings.cache_clear()
    r = run("roster", "generate", "--unit", "gg", "--month", "2026-12", "--months", "2")
    assert r.exit_code == 0, r.output
    assert "高观镇 (gg): published 2026-12 (version 1): left alone (--force regenerates it)" in r.output
    assert "1 units, " in r.output and "warning: holiday calendar 2027 incomplete, missing: New Year's Day" in r.output


def test_a_month_range_without_2027_gives_no_calendar_warning(units):
    r = run("roster", "generate", "--unit", "gg", "--month", "2026-10", "--months", "2")
    assert r.exit_code == 0 and "1 个单位，" in r.output
    # No calendar warning; the only warnings are 国庆节 days the pool of three officers (a day's rest between
    # duties) cannot give the holiday head-count of two — said per day, as the roster page says them.
    warnings = [line for line in r.output.splitlines() if line.startswith("提醒")]
    assert warnings and all(w.startswith("提醒：2026-10-0") and w.endswith("（国庆节）值班员 1 人，节假日应安排 2 人")
                            for w in warnings), warnings


def test_ambiguous_name_is_refused_with_the_candidates(units):
    r = run("roster", "generate", "--unit", "应急管理局", "--month", "2026-12")
    assert r.exit_code == 1 and "应急管理局（yj1）" in r.output and "应急管理局（yj2）" in r.output
    r = run("roster", "generate", "--unit", "不存在的局", "--month", "2026-12")
    assert r.exit_code == 1 and "不存在的局" in r.output


def test_refusals_name_the_unit_not_its_id(units):
    with Session(units["engine"]) as s:
        yj1 = s.exec(select(Unit).where(Unit.code == "yj1")).one()
    r = run("roster", "generate", "--unit", "yj1", "--month", "2026-12")
    assert r.exit_code == 1 and "应急管理局 (yj1): 该单位尚未设置值班岗位" in r.output
    assert str(yj1.id) not in r.output


def test_api_generate_warns_of_the_missing_festivals(client, tokens, session, roster_unit):
    session.add(HolidayDay(day=date(2027, 2, 6), kind=HolidayKind.holiday, name="Spring Festival"))
    session.commit()
    r = client.post(f"/api/rosters/{roster_unit['unit'].id}/2027-01/generate", headers=tokens["admin"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["calendar_missing"] == [2027] and "春节" not in body["missing_festivals"]["2027"]
    assert body["missing_festivals"]["2027"][0] == "元旦" and "国庆节" in body["warnings"][0]
    r = client.post(f"/api/rosters/{roster_unit['unit'].id}/2026-12/generate", headers=tokens["admin"])
    assert r.json()["warnings"] == [] and r.json()["calendar_missing"] == []


def test_an_english_deployment_hears_the_holiday_shortfalls_in_english(units, monkeypatch):
    """The per-day holiday head-count lines of `roster generate` in English mode: English, as the roster page says
    them (the night tester's leftover: they were still Chinese)."""
    from core import settings as config

    monkeypatch.setenv("DUTYDESK_WEB__DEFAULT_LANGUAGE", "en")
    config.get_settings.cache_clear()
    r = run("roster", "generate", "--unit", "gg", "--month", "2026-10", "--months", "2")
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.output.splitlines() if line.startswith("warning")]
    assert warnings and all(w.startswith("warning: 2026-10-0") and
                            w.endswith("(National Day): Duty officer 1, 2 required on holidays") for w in warnings), \
        warnings
    assert not re.search(r"[\u4e00-\u9fff]", "\n".join(warnings)), warnings
