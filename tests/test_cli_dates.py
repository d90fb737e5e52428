"""Every CLI option that takes a time, a month, a quarter or a year: an extreme or impossible value is a zh-CN
error naming the option (exit 1 or 2), never a traceback (OverflowError from converting year 1 to UTC)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

ERA = "超出合理范围（2000—2100年）"


@pytest.mark.parametrize("args, says", [
    (("audit", "list", "--since", "0001-01-01"), f"--since：时间{ERA}"),
    (("audit", "list", "--until", "9999-12-31T23:59"), f"--until：时间{ERA}"),
    (("audit", "list", "--since", "2026-02-30"), "--since：时间格式应为"),
    (("incident", "open", "x", "--category", "accident", "--unit", "u1", "--received", "0001-01-01"),
     f"--received：时间{ERA}"),
    (("incident", "open", "x", "--category", "accident", "--unit", "u1", "--occurred", "not a time"),
     "--occurred：时间格式应为"),
    (("roster", "generate", "--unit", "u1", "--month", "2100-12", "--months", "2"), f"月份“2101-01”{ERA}"),
    (("spotcheck", "plan", "--quarter", "0000Q1", "--seed", "1"), f"季度“0000Q1”{ERA}"),
    (("spotcheck", "plan", "--quarter", "9999Q4", "--seed", "1"), f"季度“9999Q4”{ERA}"),
    (("report", "yearly", "--year", "0", "--out", "x.docx"), f"年份 0 {ERA}"),
    (("holidays", "list", "--year", "0"), f"年份 0 {ERA}"),
    (("holidays", "list", "--year", str(10**20)), ERA),
])
def test_an_extreme_date_is_a_chinese_error_not_a_traceback(cli_db, tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    assert run_cli("units", "add", "u1", "高观镇", "--type", "town").exit_code == 0
    r = run_cli(*args)
    assert r.exit_code in (1, 2), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert says in r.output and "Traceback" not in r.output


def test_a_refused_value_is_one_chinese_line_per_field_not_pydantics_dump(cli_db):
    assert run_cli("units", "add", "u1", "高观镇", "--type", "town").exit_code == 0
    r = run_cli("incident", "open", "x", "--category", "accident", "--unit", "u1", "--deaths", "很多")
    assert r.exit_code == 1 and "错误：deaths：须为人数或“待核实”" in r.output
    assert "validation error" not in r.output and "errors.pydantic.dev" not in r.output
