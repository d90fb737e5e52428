"""Two people of one name are two people: a people import matches a row to a person by unit and name (unless the
mobiles differ) or by name and mobile (a move), never by the name alone; the report says per row what happened."""

from __future__ import annotations

from sqlmodel import select

from models.directory import Person
from tests.conftest import PASSWORD
from tests.conftest import run_cli as run
from tests.directory.files import counts, csv_bytes, upload

URL = "/api/people/import"
HEADER = ["姓名", "单位", "手机"]


def _zhang(session):
    session.expire_all()
    return sorted((p.unit_id, p.mobile) for p in session.exec(select(Person).where(Person.name == "张伟")))


def _import(client, tokens, rows, header=HEADER):
    r = client.post(URL, headers=tokens["admin"], files=upload("people.csv", csv_bytes(header, rows)))
    assert r.status_code == 200, r.text
    return {row["row"]: row for row in r.json()["results"]}


def test_namesakes_in_other_units_or_with_other_mobiles_stay_apart_and_the_report_says_so(
        client, tokens, directory, session):
    town, dept = directory["town"].id, directory["dept"].id
    rows = _import(client, tokens, [["张伟", "t1", "13900000011"], ["张伟", "d1", "13900000012"],
                                    ["张伟", "t1", "13900000013"]])
    assert _zhang(session) == sorted([(town, "13900000011"), (dept, "13900000012"), (town, "13900000013")])
    assert [r["action"] for r in rows.values()] == ["create"] * 3
    assert rows[3]["note"].startswith("与第 2 行（高观镇）同名，不是同一人")
    assert rows[4]["note"].startswith("与第 2 行同单位同名，手机号不同，按另一人新建")

    # again, phones typed another way, one unit by name: the same three people, nothing new
    rows = _import(client, tokens, [["张伟", "高观镇", "139-0000-0011"], ["张伟", "d1", "+86 139 0000 0012"],
                                    ["张伟", "t1", "１３９００００００１３"]])
    assert [r["action"] for r in rows.values()] == ["unchanged"] * 3
    assert len(_zhang(session)) == 3

    # a fourth 张伟 in the department with another mobile is another person, said so
    rows = _import(client, tokens, [["张伟", "d1", "13900000014"]])
    assert rows[2]["action"] == "create" and rows[2]["note"].startswith("本单位已有同名人员（手机 139****0012）")
    assert len(_zhang(session)) == 4


def test_the_same_name_in_the_same_unit_without_a_mobile_is_that_person(client, tokens, directory, session):
    _import(client, tokens, [["李娜", "t1", ""]])
    rows = _import(client, tokens, [["李娜", "t1", "13900000021"]])  # the mobile added, not a second 李娜
    assert rows[2]["action"] == "update" and rows[2]["note"].startswith("按同单位同名匹配，补填手机号")
    rows = _import(client, tokens, [["李娜", "t1", ""]])  # a blank cell keeps the mobile
    assert rows[2]["action"] == "unchanged"
    session.expire_all()
    (li,) = session.exec(select(Person).where(Person.name == "李娜")).all()
    assert li.mobile == "13900000021"


def test_the_same_name_and_mobile_in_another_unit_is_that_person_moved(client, tokens, directory, session):
    _import(client, tokens, [["王磊", "t1", "13900000031"]])
    rows = _import(client, tokens, [["王磊", "d1", "13900000031"]])
    assert rows[2]["action"] == "update" and "单位由高观镇调整至本单位" in rows[2]["note"]
    session.expire_all()
    (wang,) = session.exec(select(Person).where(Person.name == "王磊")).all()
    assert wang.unit_id == directory["dept"].id


def test_two_namesakes_in_one_unit_need_a_mobile_and_one_person_twice_is_refused(client, tokens, directory,
                                                                                 session):
    _import(client, tokens, [["张伟", "t1", "13900000011"], ["张伟", "t1", "13900000013"]])
    before = counts(session)
    r = client.post(URL, headers=tokens["admin"], files=upload("p.csv", csv_bytes(["姓名", "单位"], [["张伟", "t1"]])))
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "本单位有 2 位“张伟”，请填写手机号以区分"
    r = client.post(URL, headers=tokens["admin"], files=upload("p.csv", csv_bytes(HEADER, [
        ["张伟", "t1", "13900000011"], ["张伟", "t1", "139 0000 0011"]])))
    assert r.status_code == 422 and r.json()["detail"][0]["row"] == 3
    assert "与第 2 行是同一人" in r.json()["detail"][0]["msg"]
    assert counts(session) == before


def test_the_console_and_the_cli_show_each_rows_outcome(client, users, directory, session, tmp_path, cli_db):
    import re

    assert client.post("/login", data={"username": "u_admin", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/people").text).group(1)
    data = csv_bytes(HEADER, [["张伟", "t1", "13900000011"], ["张伟", "d1", "13900000012"]])
    page = client.post("/people/import?lang=zh-CN", data={"csrf_token": csrf},
                       files={"file": ("people.csv", data, "text/csv")}).text
    table = page.split('id="import-rows"')[1].split("</table>")[0]
    assert table.count('data-action="create"') == 2 and "与第 2 行（高观镇）同名，不是同一人" in table
    another = csv_bytes(HEADER, [["张伟", "d1", "13900000019"]])
    en = client.post("/people/import?lang=en", data={"csrf_token": csrf, "dry_run": "true"},
                     files={"file": ("people.csv", another, "text/csv")}).text
    table = en.split('id="import-rows"')[1].split("</table>")[0]
    assert "Created" in table and "same name in this unit with another mobile: created as another person" in table
    assert "按另一人新建" not in table

    assert run("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    assert run("units", "add", "d1", "应急管理局").exit_code == 0
    (tmp_path / "p.csv").write_bytes(data)
    r = run("people", "import", tmp_path / "p.csv")
    assert r.exit_code == 0, r.output
    assert "row 3, 张伟 (应急管理局): created, 与第 2 行（高观镇）同名，不是同一人" in r.output
