"""An account linked to its directory person: the console form and `dutydesk users create --person`."""

from __future__ import annotations

from sqlmodel import Session, select

from models.accounts import User
from models.directory import Person
from tests.conftest import PASSWORD
from tests.conftest import run_cli as run

HTML = {"accept": "text/html"}


def _admin_page(client):
    r = client.post("/login", data={"username": "u_admin", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303)
    return client.get("/accounts", headers=HTML)


def test_the_console_form_links_an_account_to_a_person(client, users, directory, session):
    person, unit = directory["people"]["t1"], directory["town"]
    page = _admin_page(client)
    label = f"{person.name}（{unit.name}）"
    assert "对应人员（通讯录）" in page.text and label in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/accounts", data={"csrf_token": csrf, "username": "leader1", "role": "leader",
                                       "password": "correct-horse-battery", "person_id": str(person.id)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    session.expire_all()
    assert session.exec(select(User).where(User.username == "leader1")).one().person_id == person.id
    r = client.post("/accounts", data={"csrf_token": csrf, "username": "leader2", "role": "leader",
                                       "password": "correct-horse-battery", "person_id": "not-a-person"})
    assert r.status_code == 422 and 'id="e-person_id"' in r.text
    assert '<option value="leader" selected>' in r.text  # the refused form keeps what was chosen


def test_cli_person_by_name_and_a_shared_name_is_refused_with_the_choices(cli_db):
    assert run("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    assert run("units", "add", "t2", "柳溪镇", "--type", "town").exit_code == 0
    assert run("people", "add", "t1", "王海燕", "--mobile", "13900000001", "--title", "镇长").exit_code == 0
    assert run("people", "add", "t1", "李明", "--mobile", "13900000002").exit_code == 0
    assert run("people", "add", "t2", "李明", "--mobile", "13900000003", "--title", "副镇长").exit_code == 0
    r = run("users", "create", "wang", "leader", "--password", "correct-horse-battery", "--person", "王海燕")
    assert r.exit_code == 0, r.output
    r = run("users", "create", "li", "leader", "--password", "correct-horse-battery", "--person", "李明")
    assert r.exit_code == 1
    assert "2 人名为“李明”" in r.output and "李明（高观镇）" in r.output and "李明（柳溪镇·副镇长）" in r.output
    with Session(cli_db) as s:
        li = s.exec(select(Person).where(Person.name == "李明", Person.mobile == "13900000003")).one()
        wang = s.exec(select(Person).where(Person.name == "王海燕")).one()
        assert s.exec(select(User).where(User.username == "wang")).one().person_id == wang.id
        assert s.exec(select(User).where(User.username == "li")).first() is None
    r = run("users", "create", "li", "leader", "--password", "correct-horse-battery", "--person", str(li.id))
    assert r.exit_code == 0, r.output
    assert run("users", "create", "x", "leader", "--password", "correct-horse-battery",
               "--person", "查无此人").exit_code == 1
