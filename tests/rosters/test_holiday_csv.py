"""The holiday CSV as Excel or WPS saves it on a Chinese Windows (GB18030/GBK), through the API and the console."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from models.rosters.roster import HolidayDay, HolidayKind
from tests.conftest import PASSWORD

ROWS = "日期,类型,名称\n2027-02-06,假,春节\n2027-02-07,放假,春节\n2027-02-14,班,春节调休\n"


def _table(session) -> list[tuple[date, HolidayKind, str]]:
    session.expire_all()
    return [(h.day, h.kind, h.name) for h in session.exec(select(HolidayDay).order_by(HolidayDay.day))]


EXPECTED = [(date(2027, 2, 6), HolidayKind.holiday, "春节"), (date(2027, 2, 7), HolidayKind.holiday, "春节"),
            (date(2027, 2, 14), HolidayKind.makeup_workday, "春节调休")]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_api_reads_excel_csv_in_either_encoding(client, tokens, session, encoding):
    r = client.post("/api/holidays/import", headers=tokens["admin"],
                    files={"file": ("节假日.csv", ROWS.replace("\n", "\r\n").encode(encoding))})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 3 and _table(session) == EXPECTED


def test_api_refuses_an_undecodable_file_and_writes_nothing(client, tokens, session):
    r = client.post("/api/holidays/import", headers=tokens["admin"], files={"file": ("h.csv", b"2027-02-06,\xff\xff,x\n")})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "file"
    assert "编码" in r.json()["detail"][0]["msg"] and _table(session) == []


def test_console_upload_of_a_gb18030_file(client, users, session):
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/rosters/holidays")
    assert 'name="csv_file"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/rosters/holidays", data={"csrf_token": csrf},
                    files={"csv_file": ("节假日.csv", ROWS.encode("gb18030"))})
    assert r.status_code == 200 and 'id="error"' not in r.text
    assert _table(session) == EXPECTED
    assert "春节调休" in client.get("/rosters/holidays").text
