"""Unit import over the API on both databases: zh/en headers, xlsx/csv, all-or-nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.directory import Unit, UnitType
from tests.directory.files import UNIT_EN, UNIT_ZH, counts, csv_bytes, upload, xlsx

URL = "/api/units/import"


def _unit(session, code):
    session.expire_all()
    return session.exec(select(Unit).where(Unit.code == code)).one()


def test_zh_xlsx_creates_units_with_a_parent_listed_later_in_the_file(client, tokens, directory, session):
    data = xlsx(UNIT_ZH, [["石桥镇村委", "t2a", "部门", "t2", "", ""],
                          ["石桥镇", "t2", "镇街", "hub", "0838-2222222", "石桥路1号"]])
    r = client.post(URL, headers=tokens["duty_officer"], files=upload("单位.xlsx", data))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["row"], x["action"], x["name"]) for x in body.pop("results")] == [
        (2, "create", "石桥镇村委"), (3, "create", "石桥镇")]  # what each row did
    assert body == {"kind": "units", "rows": 2, "created": 2, "updated": 0, "unchanged": 0, "dry_run": False}
    town, child = _unit(session, "t2"), _unit(session, "t2a")
    assert (town.type, town.parent_id, town.duty_phone) == (UnitType.town, directory["hub"].id, "0838-2222222")
    assert child.parent_id == town.id
    created = session.exec(select(AuditEntry).where(AuditEntry.entity == "unit", AuditEntry.action == "create",
                                                    AuditEntry.actor == "token:u_duty_officer")).all()
    assert {e.after["code"] for e in created} == {"t2", "t2a"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_each_encoding_chinese_excel_writes(client, tokens, directory, session, encoding):
    data = csv_bytes(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "0838-2222222", "石桥路1号"]], encoding)
    r = client.post(URL, headers=tokens["admin"], files=upload("units.csv", data))
    assert r.status_code == 200, r.text
    assert (_unit(session, "t2").name, _unit(session, "t2").address) == ("石桥镇", "石桥路1号")


def test_english_header_and_codes_update_an_existing_unit_by_code(client, tokens, directory, session):
    data = csv_bytes(UNIT_EN, [["高观镇", "t1", "town", "hub", "0838-7654321", "高观街1号"]])
    r = client.post(URL, headers=tokens["admin"], files=upload("units.csv", data))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (0, 1)
    town = _unit(session, "t1")
    assert (town.id, town.duty_phone, town.address) == (directory["town"].id, "0838-7654321", "高观街1号")
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == str(town.id),
                                                  AuditEntry.action == "update")).one()
    assert entry.before["duty_phone"] == "0838-1234567" and entry.after["duty_phone"] == "0838-7654321"


def test_one_bad_row_among_good_ones_imports_nothing_and_names_row_and_field(client, tokens, directory, session):
    before = counts(session)
    data = xlsx(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "0838-2222222", ""],
                          ["高观镇", "t1", "镇街", "hub", "0838-0000000", ""],  # an update, also undone
                          ["交通局", "d 2", "部门", "hub", "值班电话", ""],
                          ["水利局", "d3", "部门", "hub", "", ""]])
    r = client.post(URL, headers=tokens["admin"], files=upload("units.xlsx", data))
    assert r.status_code == 422
    errors = [(e["row"], e["field"], e["column"]) for e in r.json()["detail"]]
    assert errors == [(4, "code", "代码"), (4, "duty_phone", "值班电话")]
    assert "代码只能包含" in r.json()["detail"][0]["msg"]
    assert counts(session) == before
    assert _unit(session, "t1").duty_phone == "0838-1234567"


def test_duplicates_case_clashes_unknown_parents_and_cycles_are_each_reported(client, tokens, directory, session):
    before = counts(session)
    data = csv_bytes(UNIT_EN, [["A", "a1", "department", "b1", "", ""],
                               ["B", "b1", "department", "a1", "", ""],
                               ["C", "c1", "department", "nowhere", "", ""],
                               ["C again", "C1", "department", "hub", "", ""],
                               ["Town", "T1", "town", "hub", "", ""],
                               ["Bad type", "x1", "village", "hub", "", ""]])
    r = client.post(URL, headers=tokens["admin"], files=upload("units.csv", data))
    assert r.status_code == 422
    by_row = {(e["row"], e["field"]): e["msg"] for e in r.json()["detail"]}
    assert "循环" in by_row[(2, "parent_code")] and "循环" in by_row[(3, "parent_code")]
    assert "'nowhere' 不存在" in by_row[(4, "parent_code")]
    assert "与第 4 行重复" in by_row[(5, "code")]
    assert "仅大小写不同" in by_row[(6, "code")]
    assert "类型无效" in by_row[(7, "type")]
    assert counts(session) == before


def test_unknown_column_and_missing_required_column_are_reported_once(client, tokens, directory, session):
    before = counts(session)
    data = xlsx(["单位名称", "类型", "备注"], [["石桥镇", "镇街", "x"], ["新局", "部门", "y"]])
    r = client.post(URL, headers=tokens["admin"], files=upload("units.xlsx", data))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert [(e["row"], e["field"]) for e in detail] == [(1, "备注"), (1, "code")]
    assert "未知的列" in detail[0]["msg"] and "缺少必需的列：代码" in detail[1]["msg"]
    assert counts(session) == before


def test_dry_run_checks_and_counts_but_writes_nothing(client, tokens, directory, session):
    before = counts(session)
    data = xlsx(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "", ""], ["高观镇", "t1", "镇街", "hub", "0838-1234567", ""]])
    r = client.post(URL + "?dry_run=true", headers=tokens["admin"], files=upload("units.xlsx", data))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["row"], x["action"]) for x in body.pop("results")] == [(2, "create"), (3, "unchanged")]
    assert body == {"kind": "units", "rows": 2, "created": 1, "updated": 0, "unchanged": 1, "dry_run": True}
    r = client.post(URL, headers=tokens["admin"], files=upload("units.xlsx", data), data={"dry_run": "true"})
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert counts(session) == before


def test_a_failure_while_writing_undoes_the_rows_already_written(client, tokens, directory, session, monkeypatch):
    from core.errors import Invalid
    from services.directory import org

    real, calls = org.create_unit, []

    def flaky(**kw):
        calls.append(kw["data"].code)
        if len(calls) == 3:
            raise Invalid("database said no", field="code")
        return real(**kw)

    monkeypatch.setattr(org, "create_unit", flaky)
    before = counts(session)
    data = xlsx(UNIT_ZH, [[f"局{i}", f"d{i + 10}", "部门", "hub", "", ""] for i in range(4)])
    r = client.post(URL, headers=tokens["admin"], files=upload("units.xlsx", data))
    assert r.status_code == 422
    assert [(e["row"], e["field"]) for e in r.json()["detail"]] == [(4, "code")]
    assert counts(session) == before


@pytest.mark.parametrize(("name", "data", "status", "words"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), 415, "不是电子表格"),
    ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), 415, ".xls"),
    ("units.xlsx", b"PK\x03\x04 this is not really a zip", 422, "Excel"),
    ("units.xlsx", b"just some text", 422, "Excel"),
    ("empty.csv", b"", 422, "文件为空"),
])
def test_a_non_spreadsheet_upload_is_a_clear_4xx(client, tokens, directory, session, name, data, status, words):
    before = counts(session)
    r = client.post(URL, headers=tokens["admin"], files=upload(name, data))
    assert r.status_code == status, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "file"] and words in r.json()["detail"][0]["msg"]
    assert counts(session) == before


def test_import_needs_directory_write_and_a_file(client, tokens, directory):
    data = xlsx(UNIT_ZH, [["石桥镇", "t2", "镇街", "hub", "", ""]])
    for role in ("leader", "unit_reporter", "auditor"):
        assert client.post(URL, headers=tokens[role], files=upload("u.xlsx", data)).status_code == 403
    assert client.post(URL, files=upload("u.xlsx", data)).status_code == 401
    r = client.post(URL, headers=tokens["admin"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]
