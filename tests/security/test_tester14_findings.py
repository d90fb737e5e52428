"""The security tester's findings of issue 14 on lists and imports (M10, M11): each fails on the code before."""

from __future__ import annotations

from sqlmodel import select

from models.directory import Person
from tests.directory.files import PERSON_ZH, upload, xlsx


def test_a_unit_reporter_naming_another_unit_on_leaves_is_refused_like_every_list(client, tokens, directory):
    """M10: /api/leaves?unit_id=<another unit> answered 200 with the reporter's own unit's leaves."""
    other = directory["dept"].id
    for url in (f"/api/leaves?unit_id={other}", f"/api/people?unit_id={other}"):
        r = client.get(url, headers=tokens["unit_reporter"])
        assert r.status_code == 403, (url, r.text)
    assert client.get(f"/api/leaves?unit_id={directory['town'].id}", headers=tokens["unit_reporter"]).status_code == 200
    assert client.get(f"/api/leaves?unit_id={other}", headers=tokens["admin"]).status_code == 200


def test_a_refused_import_says_nothing_was_created_and_names_a_formula(client, tokens, directory, session):
    """M11: a bad file answered "created": 1 beside "ok": false, and =HYPERLINK(…) as 姓名 was 必填，不能为空."""
    data = xlsx(PERSON_ZH, [
        ["张三", "局长", "应急管理局", "13900000002", "", "", "否", "否", ""],
        ['=HYPERLINK("http://evil.example","点我")', "副镇长", "t1", "13900000003", "", "", "否", "否", ""],
    ])
    r = client.post("/api/people/import", headers=tokens["admin"], files=upload("人员.xlsx", data))
    assert r.status_code == 422, r.text
    report = r.json()["report"]
    assert report["ok"] is False and report["created"] == 0 and report["updated"] == 0
    assert report["would_create"] == 1
    (problem,) = r.json()["detail"]
    assert problem["row"] == 3 and problem["field"] == "name" and "不能是公式" in problem["msg"], problem
    session.expire_all()
    assert session.exec(select(Person).where(Person.name == "张三")).first() is None
