"""One name, one unit: creating or renaming a unit to another unit's name is refused everywhere (API, console,
CLI, import), naming the field `name` with the reason in the user's language."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from models.directory import Unit
from tests.conftest import PASSWORD
from tests.conftest import run_cli as run
from tests.directory.files import UNIT_ZH, counts, upload, xlsx


def test_api_refuses_a_second_unit_of_the_same_name_and_a_rename_onto_it(client, tokens, directory, session):
    before = counts(session)
    r = client.post("/api/units", headers=tokens["admin"], json={"name": "高观镇", "code": "t9", "type": "town"})
    assert r.status_code == 409
    assert r.json()["detail"][0]["loc"] == ["body", "name"]
    assert r.json()["detail"][0]["msg"].startswith("已有同名单位：高观镇")
    r = client.patch(f"/api/units/{directory['dept'].id}", headers=tokens["admin"], json={"name": " 高观镇 "})
    assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "name"]
    assert counts(session) == before
    # the unit's own name again, and a deactivated unit's name, are fine
    assert client.patch(f"/api/units/{directory['town'].id}", headers=tokens["admin"],
                        json={"name": "高观镇", "duty_phone": "0838-7654321"}).status_code == 200
    assert client.patch(f"/api/units/{directory['dept'].id}", headers=tokens["admin"],
                        json={"active": False}).status_code == 200
    assert client.post("/api/units", headers=tokens["admin"],
                       json={"name": "应急管理局", "code": "d9"}).status_code == 201
    # ...but bringing the old one back while the new one has its name is refused
    r = client.patch(f"/api/units/{directory['dept'].id}", headers=tokens["admin"], json={"active": True})
    assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "name"]


def test_console_form_shows_the_reason_by_the_name_field_in_the_page_language(client, users, directory, session):
    assert client.post("/login", data={"username": "u_admin", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/units/new")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf, "name": "高观镇", "code": "t9", "type": "town"}
    r = client.post("/units/new", data=form, follow_redirects=False)
    assert r.status_code == 422 and "已有同名单位：高观镇" in r.text
    assert "already exists" not in r.text
    r = client.post("/units/new?lang=en", data=form, follow_redirects=False)
    assert r.status_code == 422 and "a unit with this name already exists" in r.text
    assert "已有同名单位" not in r.text
    assert session.exec(select(Unit).where(Unit.code == "t9")).first() is None


def test_import_refuses_a_name_twice_in_the_file_or_already_taken(client, tokens, directory, session):
    before = counts(session)
    data = xlsx(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "", ""],
                          ["石桥镇", "t3", "镇街", "hub", "", ""],
                          ["应急管理局", "d2", "部门", "hub", "", ""]])
    r = client.post("/api/units/import", headers=tokens["admin"], files=upload("units.xlsx", data))
    assert r.status_code == 422
    by_row = {(e["row"], e["field"]): e["msg"] for e in r.json()["detail"]}
    assert by_row == {(3, "name"): "单位名称与第 2 行重复", (4, "name"): "已有同名单位：应急管理局（代码 d1）"}
    assert counts(session) == before


def test_cli_refuses_the_same_name(cli_db):
    assert run("units", "add", "t1", "高观镇", "--type", "town").exit_code == 0
    r = run("units", "add", "t2", "高观镇", "--type", "town")
    assert r.exit_code == 1 and "已有同名单位：高观镇" in r.output
    assert run("units", "add", "t3", "石桥镇", "--type", "town").exit_code == 0
    r = run("units", "edit", "t3", "--name", "高观镇")
    assert r.exit_code == 1 and "已有同名单位" in r.output
    with Session(cli_db) as s:
        assert sorted(s.exec(select(Unit.name)).all()) == ["石桥镇", "高观镇"]
