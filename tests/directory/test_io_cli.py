"""`dutydesk units|people import/export` against a temporary SQLite database."""

from __future__ import annotations

from sqlmodel import Session, select

from models.directory import Person, Unit
from tests.conftest import run_cli as run
from tests.directory.files import PERSON_ZH, UNIT_EN, counts, csv_bytes, read_xlsx, xlsx


def test_import_units_and_people_then_export_them_back(cli_db, tmp_path):
    units = tmp_path / "units.csv"
    units.write_bytes(csv_bytes(UNIT_EN, [["县政府总值班室", "hub", "county_office", "", "0838-6201234", ""],
                                          ["高观镇", "t1", "town", "hub", "0838-1234567", ""]], "gbk"))
    result = run("units", "import", units)
    assert result.exit_code == 0, result.output
    assert "2 rows, 2 created" in result.output
    people = tmp_path / "people.xlsx"
    people.write_bytes(xlsx(PERSON_ZH, [["张三", "镇长", "高观镇", "13900000001", "", "", "是", "是", "自然灾害"]]))
    assert run("people", "import", people).exit_code == 0
    with Session(cli_db) as s:
        assert [u.code for u in s.exec(select(Unit).order_by(Unit.code))] == ["hub", "t1"]
        assert s.exec(select(Person)).one().is_leading_cadre is True

    out = tmp_path / "out.xlsx"
    result = run("people", "export", out)
    assert result.exit_code == 0, result.output
    assert read_xlsx(out.read_bytes())[1][:4] == ["张三", "镇长", "t1", "13900000001"]
    result = run("people", "import", out)
    assert "1 unchanged" in result.output


def test_a_bad_file_exits_non_zero_lists_each_row_and_writes_nothing(cli_db, tmp_path):
    units = tmp_path / "units.xlsx"
    units.write_bytes(xlsx(UNIT_EN, [["Hub", "hub", "county_office", "", "", ""],
                                     ["Town", "t1", "town", "nowhere", "", ""]]))
    with Session(cli_db) as s:
        before = counts(s)
    result = run("units", "import", units)
    assert result.exit_code == 1
    assert "row 3, parent_code [nowhere]: 上级单位代码 'nowhere' 不存在" in result.output
    with Session(cli_db) as s:
        assert counts(s) == before


def test_dry_run_writes_nothing_and_export_refuses_other_formats(cli_db, tmp_path):
    units = tmp_path / "units.csv"
    units.write_bytes(csv_bytes(UNIT_EN, [["Hub", "hub", "county_office", "", "", ""]]))
    result = run("units", "import", units, "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.output
    with Session(cli_db) as s:
        assert counts(s)[0] == 0
    assert run("units", "export", tmp_path / "units.pdf").exit_code == 2
    assert run("units", "import", tmp_path / "missing.csv").exit_code == 2
