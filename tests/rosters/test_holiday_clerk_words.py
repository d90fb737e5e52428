"""The 2027 notice as a clerk reads it back (tester's findings): festivals by their Chinese names in the audit log,
`audit list` and `holidays list` (English only in English mode); a missing festival said once; the CLI's year hint
names --year; after the console import the old preview is gone."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session

from services.access import Actor
from models.accounts import Role
from services.audit import reading
from services.rosters import holidays
from tests.conftest import PASSWORD, run_cli
from web.console.audit import view

TEXT_2027 = (Path(__file__).resolve().parent / "notices" / "2027-test.txt").read_text(encoding="utf-8")
ENGLISH = ("New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day", "National Day")


def test_the_imported_year_reads_by_chinese_festival_names(cli_db, tmp_path):
    with Session(cli_db) as s:
        holidays.import_notice(session=s, text=TEXT_2027, actor="clerk", tz="Asia/Shanghai")
        s.commit()
        page = reading.list_entries(session=s, by=Actor("u_auditor", Role.auditor), limit=1)
        (_, _, after), = view.changes_text(page.entries[0], page.names, "zh-CN")
        (_, _, after_en), = view.changes_text(page.entries[0], page.names, "en")
    assert "元旦 放假" in after and "春节 放假 9 天" in after and "国庆节" in after
    assert not any(en in after for en in ENGLISH)
    assert "New Year's Day" in after_en and "元旦" not in after_en
    listed = run_cli("audit", "list", "--action", "import_notice")
    assert listed.exit_code == 0 and "春节 放假 9 天" in listed.output and "Spring Festival" not in listed.output
    table = run_cli("holidays", "list", "--year", "2027")
    assert table.exit_code == 0 and "元旦" in table.output and "端午节" in table.output
    assert not any(en in table.output for en in ENGLISH), table.output


def test_a_missing_festival_is_said_once_and_the_year_hint_names_the_option(cli_db, tmp_path):
    lacking = tmp_path / "lacking.txt"
    lacking.write_text(re.sub(r"五、端午节：[^\n]*\n", "", TEXT_2027), encoding="utf-8")
    r = run_cli("holidays", "notice", str(lacking), "--dry-run")
    assert r.exit_code != 0 and r.output.count("端午节") == 1, r.output
    untitled = tmp_path / "untitled.txt"
    untitled.write_text(TEXT_2027.split("\n", 1)[1].replace("2027年", ""), encoding="utf-8")
    r = run_cli("holidays", "notice", str(untitled), "--dry-run")
    assert "--year" in r.output and "选择年份" not in r.output, r.output


def test_after_the_console_import_the_preview_is_cleared(client, users, session):
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/rosters/holidays").text).group(1)
    preview = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "preview": "1"})
    assert 'id="notice-preview"' in preview.text
    done = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "confirm": "1"})
    assert "已导入 2027 年节假日安排" in done.text
    assert 'id="notice-preview"' not in done.text and "2027年部分节假日安排" not in done.text.split('id="notice-text"')[1]
