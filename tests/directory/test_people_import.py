"""People import over the API on both databases: units by code or name, flags, domains, all-or-nothing."""

from __future__ import annotations

from sqlmodel import select

from models.directory import Person
from tests.directory.files import PERSON_EN, PERSON_ZH, counts, csv_bytes, upload, xlsx

URL = "/api/people/import"


def _person(session, name):
    session.expire_all()
    return session.exec(select(Person).where(Person.name == name)).one()


def test_zh_xlsx_with_units_by_code_and_by_name_flags_and_domains(client, tokens, directory, session):
    data = xlsx(PERSON_ZH, [
        ["张三", "局长", "应急管理局", 13900000002, "0838-1111111", "zhang@example.gov.cn", "是", "是",
         "自然灾害、事故灾难"],
        ["李四", "副镇长", "t1", "13900000003", "", "", "否", "", "公共卫生事件;social_security"],
    ])
    r = client.post(URL, headers=tokens["admin"], files=upload("人员.xlsx", data))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (2, 0)
    zhang, li = _person(session, "张三"), _person(session, "李四")
    assert (zhang.unit_id, zhang.mobile, zhang.is_leading_cadre, zhang.is_unit_head) == (
        directory["dept"].id, "13900000002", True, True)
    assert zhang.domain_categories == ["natural_disaster", "accident"]
    assert (li.unit_id, li.is_leading_cadre, li.domain_categories) == (
        directory["town"].id, False, ["public_health", "social_security"])


def test_en_gbk_csv_updates_the_person_matched_by_unit_name_and_mobile(client, tokens, directory, session):
    existing = directory["people"]["t1"]
    data = csv_bytes(PERSON_EN, [[existing.name, "值班员", "t1", "13900000001", "0838-1234567", "duty@example.gov.cn",
                                  "no", "no", ""]], "gbk")
    r = client.post(URL, headers=tokens["duty_officer"], files=upload("people.csv", data))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (0, 1)
    person = _person(session, existing.name)
    assert (person.id, person.title, person.email) == (existing.id, "值班员", "duty@example.gov.cn")


def test_unknown_unit_bad_phone_and_bad_email_are_reported_per_row_and_nothing_is_written(
        client, tokens, directory, session):
    before = counts(session)
    data = xlsx(PERSON_ZH, [
        ["王五", "", "d1", "13900000004", "", "", "否", "否", ""],
        ["赵六", "", "不存在的局", "13900000005", "", "", "否", "否", ""],
        ["钱七", "", "t1", "139-abc", "", "qian.example", "否", "否", ""],
        ["孙八", "", "t1", "13900000006", "", "", "也许", "否", "防汛"],
    ])
    r = client.post(URL, headers=tokens["admin"], files=upload("people.xlsx", data))
    assert r.status_code == 422
    found = {(e["row"], e["field"]): (e["column"], e["msg"]) for e in r.json()["detail"]}
    assert set(found) == {(3, "unit"), (4, "mobile"), (4, "email"), (5, "is_leading_cadre"),
                          (5, "domain_categories")}
    assert found[(3, "unit")] == ("单位", "单位 '不存在的局' 不存在（请填单位代码或完整名称）")
    assert found[(4, "mobile")][1].startswith("电话号码格式不正确")
    assert found[(4, "email")] == ("邮箱", "邮箱格式不正确")
    assert "防汛" in found[(5, "domain_categories")][1]
    assert counts(session) == before


def test_the_same_person_twice_in_a_file_is_reported_on_the_second_row(client, tokens, directory, session):
    data = csv_bytes(["姓名", "单位", "手机"], [["周九", "t1", "13900000007"], ["周九", "高观镇", "13900000007"]])
    r = client.post(URL, headers=tokens["admin"], files=upload("people.csv", data))
    assert r.status_code == 422
    assert [(e["row"], e["field"]) for e in r.json()["detail"]] == [(3, "name")]
    assert "与第 2 行重复" in r.json()["detail"][0]["msg"]


def test_a_blank_required_cell_is_named(client, tokens, directory, session):
    data = csv_bytes(["姓名", "单位", "手机"], [["", "t1", "13900000008"], ["吴十", "", ""]])
    r = client.post(URL, headers=tokens["admin"], files=upload("people.csv", data))
    assert r.status_code == 422
    assert [(e["row"], e["column"], e["msg"]) for e in r.json()["detail"]] == [
        (2, "姓名", "必填，不能为空"), (3, "单位", "必填，不能为空")]
