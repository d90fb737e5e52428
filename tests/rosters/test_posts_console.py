"""Console: a new unit sets its duty posts and rotation pools, then its roster can be imported."""

from __future__ import annotations

from sqlmodel import select

from models.directory import Person
from services.rosters import policy as pol
from tests.conftest import PASSWORD

HTML = {"accept": "text/html"}


def _login(client, username):
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def _csrf(text: str) -> str:
    return text.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_new_unit_sets_posts_and_pools_from_the_console(client, users, directory, session):
    town = directory["town"]
    _login(client, "u_unit_reporter")  # the town's own reporter
    roster = client.get(f"/rosters?unit_id={town.id}", headers=HTML)
    assert f'href="/rosters/{town.id}/posts"' in roster.text and "尚未设置值班岗位" in roster.text
    page = client.get(f"/rosters/{town.id}/posts", headers=HTML)
    assert page.status_code == 200 and "值班岗位与轮换人员" in page.text and 'id="use-defaults"' in page.text
    r = client.post(f"/rosters/{town.id}/posts/defaults", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/rosters/{town.id}/posts", headers=HTML)
    assert "已设置常用岗位" in page.text and 'id="post-leader"' in page.text and 'id="post-officer"' in page.text
    person = session.exec(select(Person).where(Person.unit_id == town.id)).first()
    assert person.name in page.text.split('id="post-officer"')[1]
    r = client.post(f"/rosters/{town.id}/posts", data={
        "csrf_token": _csrf(page.text), "name": "officer", "label": "值班员", "count": "1", "holiday_count": "2",
        "flood_count": "", "has_pool": "1", "people": [str(person.id)]}, follow_redirects=False)
    assert r.status_code == 303
    assert pol.pools_of(session, town.id)["officer"] == [str(person.id)]
    page = client.get(f"/rosters/{town.id}/posts", headers=HTML)
    assert "已保存：值班员" in page.text
    assert f'value="{person.id}" checked' in page.text.split('id="post-officer"')[1]


def test_a_bad_head_count_is_shown_at_the_field_and_others_units_are_refused(client, users, directory, session):
    town, dept = directory["town"], directory["dept"]
    pol.ensure_default_posts(session=session, unit_id=town.id, actor="test")
    session.commit()
    _login(client, "u_unit_reporter")
    page = client.get(f"/rosters/{town.id}/posts", headers=HTML)
    r = client.post(f"/rosters/{town.id}/posts", data={
        "csrf_token": _csrf(page.text), "name": "officer", "label": "值班员", "count": "99", "has_pool": "1"})
    assert r.status_code == 422
    section = r.text.split('id="post-officer"')[1]
    assert 'id="e-count"' in section and "人数须在 0 到 20 之间" in section and 'value="99"' in section
    assert 'href="#f-count"' in r.text and 'id="f-count"' in section  # the summary leads to the officer's field
    assert 'id="f-count"' not in r.text.split('id="post-leader"')[1].split('id="post-officer"')[0]
    assert client.get(f"/rosters/{dept.id}/posts", headers=HTML).status_code == 403
    r = client.post(f"/rosters/{dept.id}/posts/defaults", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert not pol.posts_of(session, dept.id)


def test_the_page_in_english(client, users, directory):
    town = directory["town"]
    _login(client, "u_admin")
    page = client.get(f"/rosters/{town.id}/posts?lang=en", headers=HTML)
    assert "Duty posts and rotation pools" in page.text and "Use the usual posts" in page.text


def test_cli_sets_posts_and_pools_by_name(cli_db):
    from tests.conftest import run_cli as run

    assert run("units", "add", "lx", "柳溪镇", "--type", "town").exit_code == 0
    for i, name in enumerate(("何志远", "黄丽", "吴涛")):
        assert run("people", "add", "lx", name, "--mobile", f"1390000090{i}").exit_code == 0
    assert "no posts yet" in run("roster", "posts", "柳溪镇").output
    assert run("roster", "post", "柳溪镇", "leader", "--label", "带班领导").exit_code == 0
    assert run("roster", "post", "柳溪镇", "officer", "--label", "值班员", "--holiday-count", "2").exit_code == 0
    r = run("roster", "pool", "柳溪镇", "officer", "吴涛", "黄丽")
    assert r.exit_code == 0, r.output
    assert "吴涛、黄丽" in run("roster", "posts", "lx").output
    r = run("roster", "pool", "柳溪镇", "leader", "查无此人")
    assert r.exit_code == 1 and "本单位没有“查无此人”" in r.output
