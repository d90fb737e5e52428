"""The import preview as a clerk reads it (tester's findings): a name in a column mapped by hand is placed by that
column's own header."""

from __future__ import annotations

from tests.rosters.test_import_checks import preview
from tests.rosters.test_import_layouts import unit, xlsx  # noqa: F401


def _driver_column(wb):
    ws = wb.active
    ws.title = "12月"
    ws.append(["日期", "星期", "带班", "值班干部", "驾驶员", "手机号码", "说明"])
    ws.append(["12月1日", "星期二", "张建国", "陈晓燕", "刘师傅", "", ""])
    ws.append(["12月2日", "星期三", "李明华", "杨帆", "刘师傅", "", ""])


def test_a_column_mapped_by_hand_names_its_own_header(session, unit):
    p = preview(session, unit, xlsx(_driver_column), columns={"E": "officer"})
    said = [x.text for x in p.problems + p.warnings if "刘师傅" in x.text]
    missing = [m for m in p.missing if m.name == "刘师傅"]
    assert missing and missing[0].where[2:] == ("E", "驾驶员"), missing
    assert any(t.startswith("工作表“12月”第2行E列（驾驶员）：“刘师傅”不在本单位通讯录中") for t in said), said
    assert all("（值班干部）" not in t for t in said), said


def _county_changed(wb):
    from tests.rosters.test_import_layouts import LEADERS, county_one_row_per_day

    county_one_row_per_day(wb)
    ws = wb.active
    ws["C3"] = next(n for n in LEADERS if n != ws["C3"].value)  # 12月1日 another leader


def test_importing_over_a_published_month_says_it_makes_a_new_version(cli_db, tmp_path):
    from services.access import Actor
    from services.rosters import publish
    from sqlmodel import Session
    from datetime import UTC, datetime

    from models.directory import Unit
    from sqlmodel import select
    from tests.conftest import run_cli
    from tests.rosters.test_import_layouts import county_one_row_per_day, staffed_town

    staffed_town(cli_db)
    first, changed = tmp_path / "值班表.xlsx", tmp_path / "值班表改.xlsx"
    first.write_bytes(xlsx(county_one_row_per_day))
    changed.write_bytes(xlsx(_county_changed))
    r = run_cli("roster", "import", first, "--unit", "t1", "--month", "2026-12", "--past-ok")
    assert r.exit_code == 0, r.output
    assert "已发布" not in r.output  # a draft month: nothing to say
    with Session(cli_db) as s:
        town = s.exec(select(Unit).where(Unit.code == "t1")).one()
        publish.publish(session=s, unit_id=town.id, month="2026-12", now=datetime(2026, 11, 1, tzinfo=UTC),
                        by=Actor.system("test"))
        s.commit()
    said = "2026-12：本月已发布，导入将生成新版本（版本2）并推送给订阅者"
    r = run_cli("roster", "import", changed, "--unit", "t1", "--month", "2026-12", "--past-ok", "--dry-run")
    assert r.exit_code == 0 and said in r.output, r.output
    r = run_cli("roster", "import", changed, "--unit", "t1", "--month", "2026-12", "--past-ok", "--allow-past")
    assert r.exit_code == 0 and "已生成新版本（版本2）并推送给订阅者" in r.output, r.output


def test_the_console_preview_says_a_published_month_gets_a_new_version(client, users, session, unit):
    from services.rosters.publish import publish
    from tests.rosters.test_import_checks import _login
    from tests.rosters.test_import_layouts import BY, NOW, county_one_row_per_day, do_import

    do_import(session, unit, xlsx(county_one_row_per_day))
    publish(session=session, unit_id=unit.id, month="2026-12", now=NOW, by=BY)
    session.commit()
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("12月值班表.xlsx", xlsx(_county_changed))}, headers={"accept": "text/html"})
    said = r.text.split('id="import-republished"')[1].split("</div>")[0]
    assert "2026-12：本月已发布，导入将生成新版本（版本2）并推送给订阅者" in said


def test_a_week_grids_rows_read_as_week_rows_not_as_people(cli_db, tmp_path):
    from tests.conftest import run_cli
    from tests.rosters.test_import_layouts import staffed_town
    from tests.rosters.test_import_week_rows import week_rows_dotted

    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(xlsx(week_rows_dotted))
    r = run_cli("roster", "import", path, "--unit", "t1", "--month", "2026-12", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "的“第1周”：按星期排列的日期行，格中的人员为值班员" in r.output, r.output
    assert "第1周 → 值班员" not in r.output


def test_the_api_preview_says_which_months_are_already_published(client, tokens, session, unit):
    """POST /api/rosters/{unit}/import (dry run): `republished` names each month already published with the version
    the import would publish (typed in the schema), {} for a draft month."""
    from services.rosters.publish import publish
    from tests.rosters.test_import_layouts import BY, NOW, county_one_row_per_day, do_import

    def preview_api():
        r = client.post(f"/api/rosters/{unit.id}/import", headers=tokens["duty_officer"],
                        files={"file": ("值班表.xlsx", xlsx(_county_changed))})
        assert r.status_code == 200, r.text
        return r.json()

    do_import(session, unit, xlsx(county_one_row_per_day))
    session.commit()
    assert preview_api()["republished"] == {}
    publish(session=session, unit_id=unit.id, month="2026-12", now=NOW, by=BY)
    session.commit()
    assert preview_api()["republished"] == {"2026-12": 2}
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ImportPreview"]["properties"]
    assert schema["republished"]["additionalProperties"] == {"type": "integer"}
