"""A wrong correction of the column mapping is refused, never dropped (issue 13): an unknown role, a column outside
the sheet or a sheet the file lacks, in the service, the CLI (`--column`) and the API (`columns`), naming what is
wrong and listing the roles in zh-CN with their names; nothing is written."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, func, select

from core.errors import Invalid
from models.rosters.roster import RosterSlot
from tests.conftest import run_cli
from tests.rosters.test_import_checks import preview, slots
from tests.rosters.test_import_layouts import (county_one_row_per_day, staffed_town, unit,  # noqa: F401
                                               xlsx)

ROLES_ZH = "日期 date、星期 weekday、带班领导 leader、值班员 officer、电话 phone、备注 note、忽略 ignore"


@pytest.mark.parametrize("columns, said", [
    ({"D": "bogus", "Z": "officer"}, ["D=bogus：“bogus”不是可用的用途", "Z=officer：Z 列不在工作表内，表格只到 F 列"]),
    ({"无此表!D": "officer"}, ["无此表!D=officer：文件中没有工作表“无此表”"]),
])
def test_a_wrong_mapping_is_refused_with_the_valid_roles(session, unit, columns, said):
    with pytest.raises(Invalid) as exc:
        preview(session, unit, xlsx(county_one_row_per_day), columns=columns)
    assert exc.value.field == "columns"
    for x in said:
        assert x in exc.value.reason
    assert ROLES_ZH in exc.value.reason


def test_a_valid_mapping_in_lower_case_letters_is_applied(session, unit):
    p = preview(session, unit, xlsx(county_one_row_per_day), columns={"f": "ignore"})
    assert {c.column: c.role for c in p.parsed.columns}["F"] == "ignore"


def test_api_refuses_a_wrong_mapping_naming_the_field(client, tokens, session, unit):
    r = client.post(f"/api/rosters/{unit.id}/import?dry_run=false", headers=tokens["duty_officer"],
                    data={"columns": json.dumps({"D": "bogus", "Z": "officer"})},
                    files={"file": ("值班表.xlsx", xlsx(county_one_row_per_day))})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert "columns" in detail["loc"] and "bogus" in detail["msg"] and "值班员 officer" in detail["msg"]
    assert slots(session, unit) == 0


def test_cli_refuses_a_wrong_mapping_naming_the_option(cli_db, tmp_path):
    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(xlsx(county_one_row_per_day))
    r = run_cli("roster", "import", path, "--unit", "t1", "--column", "D=bogus", "--column", "Z=officer")
    assert r.exit_code != 0
    assert "--column" in r.output and "“bogus”不是可用的用途" in r.output and ROLES_ZH in r.output
    with Session(cli_db) as s:
        assert s.exec(select(func.count()).select_from(RosterSlot)).one() == 0
