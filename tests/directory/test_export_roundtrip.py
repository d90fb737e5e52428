"""Export in the import's format; export → import changes nothing (both databases, xlsx and csv, zh and en)."""

from __future__ import annotations

import pytest

from models.directory import PersonCreate, UnitCreate, UnitType
from services.directory import org
from tests.directory.files import counts, read_xlsx, upload


@pytest.fixture
def rich(session, directory):
    """Cells that are easy to mangle: flags, domains, a leading-zero phone, a formula-looking name."""
    sub = org.create_unit(session=session, actor="test", data=UnitCreate(
        name="=HYPERLINK(\"x\")", code="d1.sub", type=UnitType.department, parent_id=directory["dept"].id,
        duty_phone="+86 0838 1234567", address="东街 8 号", sort_order=3))
    org.create_person(session=session, actor="test", data=PersonCreate(
        name="张三", title="局长", unit_id=directory["dept"].id, mobile="01234567890", office_phone="0838-1111111",
        email="zhang@example.gov.cn", dingtalk_id="dd01", wecom_id="wx01", feishu_id="ou_01",
        is_leading_cadre=True, is_unit_head=True, domain_categories=["accident", "natural_disaster"]))
    org.create_person(session=session, actor="test", data=PersonCreate(name="@李四", unit_id=sub.id))
    session.commit()
    return sub


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["units", "people"])
def test_export_then_import_changes_nothing(client, tokens, rich, session, fmt, lang, kind):
    r = client.get(f"/api/{kind}/export?format={fmt}&lang={lang}", headers=tokens["duty_officer"])
    assert r.status_code == 200
    assert f'filename="{kind}.{fmt}"' in r.headers["content-disposition"]
    before = counts(session)
    r = client.post(f"/api/{kind}/import", headers=tokens["admin"], files=upload(f"{kind}.{fmt}", r.content))
    assert r.status_code == 200, r.text
    rows = 4 if kind == "units" else 5
    body = r.json()
    assert [(x["action"], x["note"]) for x in body.pop("results")] == [("unchanged", "")] * rows  # row by row
    assert body == {"kind": kind, "rows": rows, "created": 0, "updated": 0, "unchanged": rows, "dry_run": False}
    assert counts(session) == before


def test_zh_export_uses_chinese_headers_and_labels(client, tokens, rich):
    r = client.get("/api/people/export?format=xlsx", headers=tokens["admin"])
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    table = read_xlsx(r.content)
    assert table[0][:4] == ["姓名", "职务", "单位", "手机"]
    zhang = next(row for row in table if row[0] == "张三")
    assert zhang[2:4] == ["d1", "01234567890"]  # unit by code; the leading zero survives
    assert zhang[-3:] == ["是", "是", "事故灾难、自然灾害"]


def test_en_csv_export_has_a_bom_english_keys_and_a_formula_guard(client, tokens, rich):
    r = client.get("/api/units/export?format=csv&lang=en", headers=tokens["admin"])
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "name,code,type,parent_code,duty_phone,address,sort_order"
    assert "county_office" in text and "\"'=HYPERLINK(\"\"x\"\")\",d1.sub,department,d1" in text


def test_unit_reporter_exports_only_its_own_unit(client, tokens, rich, directory):
    units = client.get("/api/units/export?format=csv", headers=tokens["unit_reporter"]).content.decode("utf-8-sig")
    assert [line.split(",")[1] for line in units.splitlines()[1:]] == ["t1"]
    people = client.get("/api/people/export?format=csv", headers=tokens["unit_reporter"]).content.decode("utf-8-sig")
    assert [line.split(",")[2] for line in people.splitlines()[1:]] == ["t1"]


def test_export_rejects_unknown_format_and_anonymous_callers(client, tokens, directory):
    r = client.get("/api/units/export?format=pdf", headers=tokens["admin"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "format"
    assert client.get("/api/units/export").status_code == 401
