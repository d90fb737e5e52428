"""Importing the State Council's notice: preview first (nothing written), then the year's days replaced, all or
nothing; an incomplete year stays an alert naming what is missing; the console and the CLI do the same."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import func, select

from core import db
from dutydesk.composition import ALERT_SOURCES
from models import schema
from models.rosters.roster import HolidayDay
from services import alerts
from services.rosters.calendar import load_calendar
from tests.conftest import PASSWORD

NOTICES = Path(__file__).resolve().parent / "notices"
TEXT_2027 = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")
DEC_1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _rows(session) -> int:
    return session.exec(select(func.count()).select_from(HolidayDay)).one()


def test_preview_writes_nothing_and_the_import_covers_the_year(client, tokens, session, settings):
    admin = tokens["admin"]
    r = client.post("/api/holidays/notice", headers=admin, json={"text": TEXT_2027})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2027 and body["missing"] == [] and body["problems"] == [] and not body["imported"]
    assert {"day": "2027-02-05", "kind": "holiday", "name": "Spring Festival"} in body["days"]
    assert _rows(session) == 0  # a preview changes nothing
    r = client.post("/api/holidays/notice?dry_run=false", headers=admin, json={"text": TEXT_2027})
    assert r.status_code == 200 and r.json()["imported"]
    assert _rows(session) == len(body["days"])
    cal = load_calendar(session=session)
    assert cal.covers(2027) and cal.is_holiday(date(2027, 10, 7)) and cal.is_workday(date(2027, 10, 9))
    found = alerts.collect(session=session, now=DEC_1, settings=settings, sources=ALERT_SOURCES)
    assert "holiday_calendar_missing" not in {a.code for a in found}


def test_spring_festival_alone_leaves_the_year_an_alert_naming_the_rest(client, tokens, session, settings):
    only_spring = "国务院办公厅关于2027年部分节假日安排的通知\n" + next(
        line for line in TEXT_2027.splitlines() if line.startswith("二、春节"))
    r = client.post("/api/holidays/notice?dry_run=false", headers=tokens["admin"], json={"text": only_spring})
    assert r.status_code == 422 and "元旦" in r.json()["detail"][0]["msg"]  # a partial notice is refused...
    assert _rows(session) == 0
    client.put("/api/holidays/2027-02-06", headers=tokens["admin"], json={"day": "2027-02-06", "kind": "holiday",
                                                                         "name": "Spring Festival"})
    found = {a.code: a for a in alerts.collect(session=session, now=DEC_1, settings=settings, sources=ALERT_SOURCES)}
    alert = found["holiday_calendar_missing"]  # ...and a day typed by hand does not make the year covered
    assert "元旦" in alert.text and "国庆节" in alert.text and alert.link.startswith("/rosters/holidays")


def test_a_year_the_package_covers_is_compared_not_imported(client, tokens, session):
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    body = client.post("/api/holidays/notice", headers=tokens["admin"], json={"text": text}).json()
    assert any("无需导入" in p for p in body["problems"]) and body["days"] == []
    assert client.post("/api/holidays/notice?dry_run=false", headers=tokens["admin"],
                       json={"text": text}).status_code == 422
    assert client.post("/api/holidays/notice", headers=tokens["duty_officer"],
                       json={"text": TEXT_2027}).status_code == 403


def test_the_console_previews_then_imports(client, users, session):
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/rosters/holidays")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert 'id="notice"' in page.text
    preview = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "preview": "1"})
    assert preview.status_code == 200 and "导入 2027 年安排" in preview.text and "2027-02-05" in preview.text
    assert _rows(session) == 0
    done = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "confirm": "1"})
    assert "已导入 2027 年节假日安排" in done.text and _rows(session) > 0


def test_the_cli_dry_run_shows_the_days_and_the_import_writes_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = db.make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    notice = tmp_path / "notice.txt"
    notice.write_bytes(TEXT_2027.encode("gb18030"))  # as saved on a Windows PC
    env = {**os.environ, "DUTYDESK_DB__URL": url, "DUTYDESK_ENVIRONMENT": "test", "DUTYDESK_DATA_DIR": str(tmp_path)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "dutydesk.cli", "holidays", "notice", *a],  # noqa: E731
                                    env=env, capture_output=True, text=True, timeout=120)
    dry = run(str(notice), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2027-02-05  放假  春节" in dry.stdout and "2027-10-09  上班" in dry.stdout
    done = run(str(notice))
    assert done.returncode == 0 and "已导入 2027 年节假日安排" in done.stdout, done.stderr


def test_generating_a_year_the_calendar_lacks_says_so_until_the_notice_is_in(client, tokens, roster_unit, tmp_path):
    town, admin = roster_unit["unit"], tokens["admin"]
    r = client.post(f"/api/rosters/{town.id}/2027-10/generate", headers=admin)
    assert r.status_code == 200 and r.json()["calendar_missing"] == [2027]  # 国庆 rostered as ordinary days
    assert client.post("/api/holidays/notice?dry_run=false", headers=admin, json={"text": TEXT_2027}).status_code == 200
    r = client.post(f"/api/rosters/{town.id}/2027-10/generate", headers=admin)
    assert r.status_code == 200 and r.json()["calendar_missing"] == []
    assert client.post(f"/api/rosters/{town.id}/2026-10/generate", headers=admin).json()["calendar_missing"] == []


def test_the_roster_page_warns_while_the_months_year_lacks_its_calendar(client, users, tokens, roster_unit):
    town = roster_unit["unit"]
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/rosters?unit_id={town.id}&month=2027-10")
    assert 'id="calendar-missing"' in page.text and "2027 年节假日安排不完整" in page.text
    assert client.get(f"/rosters?unit_id={town.id}&month=2026-10").text.count('id="calendar-missing"') == 0
    assert client.post("/api/holidays/notice?dry_run=false", headers=tokens["admin"],
                       json={"text": TEXT_2027}).status_code == 200
    assert 'id="calendar-missing"' not in client.get(f"/rosters?unit_id={town.id}&month=2027-10").text


def test_the_console_notice_page_in_english(client, users, session):
    """English mode: the page, its preview and the imported table name festivals and day kinds in English."""
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/rosters/holidays?lang=en")
    assert "Import the State Council General Office" in page.text and "导入国务院" not in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    preview = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "preview": "1"})
    assert "Import 2027" in preview.text and "Spring Festival" in preview.text and "Make-up workday" in preview.text
    assert "调休上班" not in preview.text and "导入 2027 年安排" not in preview.text
    done = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "confirm": "1"})
    assert "Imported the 2027 holidays" in done.text and _rows(session) > 0
    table = client.get("/rosters/holidays").text.split('id="holiday-table"')[1].split("</table>")[0]
    assert "National Day" in table and "Holiday" in table and "放假" not in table


def test_a_built_in_years_notice_shows_each_date_as_day_off_or_working_day(client, tokens, users):
    """The 2026 notice (shared/samples): compared with the built-in data, each date said to be 放假 or 上班（调休）."""
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    body = client.post("/api/holidays/notice", headers=tokens["admin"], json={"text": text}).json()
    checked = {d["day"]: (d["kind"], d["name"], d["agrees"]) for d in body["checked"]}
    assert checked["2026-02-15"] == ("holiday", "Spring Festival", True)
    assert checked["2026-02-14"][::2] == ("makeup_workday", True)  # a Saturday worked
    assert "2026-02-14 上班（调休）：已由内置数据提供" in body["notes"]
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/rosters/holidays").text).group(1)
    page = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": text, "preview": "1"}).text
    table = page.split('id="notice-checked"')[1].split("</table>")[0]
    rows = {m[0]: m[1] for m in re.findall(r"<tr><td>([\d-]+)</td><td[^>]*>([^<]+)</td>", table)}
    assert rows["2026-02-15"] == "放假" and rows["2026-02-14"] == "上班（调休）" and rows["2026-10-01"] == "放假"
    assert len(rows) == len(body["checked"]) and "不一致" not in table
    english = client.post("/rosters/holidays/notice?lang=en", data={"csrf_token": csrf, "notice": text,
                                                                   "preview": "1"}).text
    assert "Working day (make-up)" in english and "上班（调休）" not in english


def test_a_notice_whose_weekday_contradicts_its_date_is_refused_naming_the_festival(client, tokens, session):
    wrong = TEXT_2027.replace("1月1日（周五）至3日（周日）", "1月1日（周四）至3日（周六）")
    r = client.post("/api/holidays/notice?dry_run=false", headers=tokens["admin"], json={"text": wrong})
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert "元旦：1月1日是2027年的周五，通知写的是“周四”" in msg
    assert _rows(session) == 0  # nothing written


def test_the_cli_exit_code_says_what_kind_of_failure(cli_db, tmp_path):
    """0 read in full; 3 not a notice (nothing found: no "seven festivals missing" noise); 4 a festival missing;
    1 other problems. --help lists them."""
    from tests.conftest import run_cli

    def notice(text: str):
        path = tmp_path / "n.txt"
        path.write_text(text, encoding="utf-8")
        return run_cli("holidays", "notice", path, "--dry-run")

    assert notice(TEXT_2027).exit_code == 0
    for text in ("这是一段普通文字，不是通知。", "国务院办公厅关于2027年部分节假日安排的通知\n另行通知。\n"):
        r = notice(text)
        assert r.exit_code == 3 and "不是国务院办公厅节假日安排通知" in r.output and "通知缺少" not in r.output
    r = notice("\n".join(line for line in TEXT_2027.splitlines() if not line.startswith("五、端午节")))
    assert r.exit_code == 4 and "通知缺少：端午节" in r.output and "未导入任何内容" in r.output
    r = notice(TEXT_2027.replace("2027年", "2026年"))  # a year the package covers (and days it disagrees with)
    assert r.exit_code == 1 and "无需导入" in r.output
    assert _rows_cli(cli_db) == 0
    help_text = run_cli("holidays", "notice", "--help").output
    assert "Exit codes" in help_text and "3  not a holiday notice" in help_text and "4  a festival" in help_text


def _rows_cli(engine) -> int:
    from sqlmodel import Session

    with Session(engine) as s:
        return len(s.exec(select(HolidayDay)).all())
