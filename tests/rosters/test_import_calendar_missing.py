"""A roster file of a month in a year whose holiday calendar is not imported yet (January 2027 before the
2027 notice) says so in the preview — 2027年节假日安排尚未导入, with a link to the import page — in the console
and in the CLI's --dry-run; a year the calendar knows says nothing."""

from __future__ import annotations

from tests.rosters.test_import_console import _open
from tests.rosters.test_import_layouts import roster, staffed_town, title, unit, wd, xlsx  # noqa: F401

JANUARY = roster(2027, 1)


def january(wb):
    ws = wb.active
    title(ws, "高观镇2027年1月值班表", 4)
    ws.append(["日期", "星期", "带班领导", "值班员"])
    for d, (ls, os_, _note) in JANUARY.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_)])


def test_the_console_preview_says_the_years_calendar_is_missing(client, users, session, unit):
    csrf = _open(client, unit, "2027-01")
    r = client.post(f"/rosters/{unit.id}/2027-01/upload", data={"csrf_token": csrf},
                    files={"file": ("1月值班表.xlsx", xlsx(january))}, headers={"accept": "text/html"})
    assert r.status_code == 200
    said = r.text.split('id="import-calendar-missing-2027"')[1].split("</p>")[0]
    assert "2027年节假日安排尚未导入" in said and 'href="/rosters/holidays#notice"' in said
    assert 'id="confirm-import"' in r.text  # a warning: the import may go on
    en = client.post(f"/rosters/{unit.id}/2027-01/upload?lang=en", data={"csrf_token": csrf},
                     files={"file": ("1月值班表.xlsx", xlsx(january))}, headers={"accept": "text/html"}).text
    assert "The 2027 holiday calendar has not been imported" in en.split('id="import-calendar-missing-2027"')[1]


def test_the_cli_dry_run_says_it_too(cli_db, tmp_path):
    from tests.conftest import run_cli

    staffed_town(cli_db)
    path = tmp_path / "1月值班表.xlsx"
    path.write_bytes(xlsx(january))
    r = run_cli("roster", "import", path, "--unit", "t1", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "提醒：2027年节假日安排尚未导入" in r.output and "dutydesk holidays notice" in r.output
