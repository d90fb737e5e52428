"""A province-sized 当前在岗: the dashboard lists the first N units (problems first) and links to /rosters/now,
which lists them all (a unit reporter: own unit); the wall lists its own first N."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.directory import PersonCreate, UnitCreate
from models.rosters.roster import RosterSlot
from services.directory import org
from tests.conftest import PASSWORD

AT = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
HTML = {"accept": "text/html"}


@pytest.fixture
def sixty(session, directory, users):
    """60 units: the directory's 3 and 57 towns; all on duty but u05 (nobody) and u10 (no officer)."""
    units = [directory["hub"], directory["town"], directory["dept"]]
    for i in range(1, 58):
        units.append(org.create_unit(session=session, actor="test", data=UnitCreate(
            name=f"第{i:02d}镇", code=f"u{i:02d}", parent_id=directory["hub"].id, sort_order=i)))
    for u in units:
        if u.code == "u05":
            continue
        p = org.create_person(session=session, actor="test", data=PersonCreate(name=f"{u.name}甲", unit_id=u.id))
        posts = ("leader",) if u.code == "u10" else ("leader", "officer")
        for post in posts:
            session.add(RosterSlot(unit_id=u.id, day=date(2026, 12, 5), post=post, person_id=p.id,
                                   starts_at=AT - timedelta(hours=1), ends_at=AT + timedelta(hours=23)))
    session.commit()
    return units


def _login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def _rows(html: str, start: str) -> list[str]:
    part = html.split(start)[1].split("</section>")[0]
    return [tr.split('<span lang="zh-CN">')[1].split("<")[0] for tr in part.split("<tr")[2:]]


def test_dashboard_lists_first_n_problems_first_and_links_to_all(client, sixty):
    client.app.state.clock = lambda: AT
    _login(client, "u_duty_officer")
    home = client.get("/", headers=HTML).text
    names = _rows(home, 'id="on-duty"')
    assert len(names) == 40
    assert names[:2] == ["第05镇", "第10镇"]  # nobody on duty, then an empty post
    assert "（前 40 个，共 60 个单位）" in home and "查看全部 60 个单位的在岗人员" in home
    assert 'href="/rosters/now"' in home
    everything = client.get("/rosters/now", headers=HTML)
    assert everything.status_code == 200
    names = _rows(everything.text, 'id="on-duty-all"')
    assert len(names) == 60 and "共 60 个单位" in everything.text and "无人在岗" in everything.text
    assert names[0] == "县政府总值班室"  # the tree order, the hub first
    only = _rows(client.get("/rosters/now?problems=true", headers=HTML).text, 'id="on-duty-all"')
    assert only == ["第05镇", "第10镇"]
    assert _rows(client.get("/rosters/now?q=第3", headers=HTML).text, 'id="on-duty-all"') == [
        f"第{i}镇" for i in range(30, 40)]
    en = client.get("/?lang=en", headers=HTML).text
    assert "All 60 units on duty" in en and "(first 40 of 60 units)" in en


def test_full_list_for_a_unit_reporter_is_own_unit(client, sixty, directory):
    client.app.state.clock = lambda: AT
    _login(client, "u_unit_reporter")
    names = _rows(client.get("/rosters/now", headers=HTML).text, 'id="on-duty-all"')
    assert names == [directory["town"].name]
    home = client.get("/", headers=HTML).text
    assert "查看全部" not in home


def test_wall_lists_first_n_with_count_of_rest(client, sixty):
    client.app.state.clock = lambda: AT
    _login(client, "u_display")
    wall = client.get("/wall", headers=HTML).text
    part = wall.split('id="wall-duty"')[1].split("</section>")[0]
    assert part.count('class="duty-row"') == 30
    assert "另有 30 个单位未列出" in part and '<span class="count">60</span>' in part
