"""Downloads are saved under Chinese names, as the office names its files (值班表-高观镇-2026-12.xlsx): RFC 5987
filename* in UTF-8, with an ASCII filename for clients that know only that (web/downloads.py)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from web.downloads import download_headers


def saved_as(disposition: str) -> tuple[str, str]:
    """(the UTF-8 name a browser saves, the ASCII fallback) of a Content-Disposition value."""
    utf8 = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    plain = re.search(r'filename="([^"]*)"', disposition)
    assert utf8 and plain, disposition
    return unquote(utf8[1]), plain[1]


def test_the_header_has_a_chinese_name_and_an_ascii_fallback():
    h = download_headers("值班表-高观镇-2026-12.xlsx", "roster-2026-12.xlsx")["Content-Disposition"]
    assert h.startswith("attachment; ")
    assert saved_as(h) == ("值班表-高观镇-2026-12.xlsx", "roster-2026-12.xlsx")
    assert h.isascii()


def test_a_name_cannot_break_the_header_or_leave_the_folder():
    h = download_headers('../通报"\r\nX-Evil: 1.docx')["Content-Disposition"]
    name, plain = saved_as(h)
    assert "\r" not in h and "\n" not in h and "/" not in name and '"' not in name
    assert plain.isascii() and plain.endswith(".docx")


@pytest.mark.parametrize(("kind", "fmt", "zh"), [("people", "xlsx", "人员名单.xlsx"), ("units", "csv", "单位名单.csv")])
def test_directory_exports_are_named_in_chinese(client, tokens, kind, fmt, zh):
    r = client.get(f"/api/{kind}/export?format={fmt}&lang=zh", headers=tokens["duty_officer"])
    assert r.status_code == 200
    assert saved_as(r.headers["content-disposition"]) == (zh, f"{kind}.{fmt}")
    r = client.get(f"/api/{kind}/export?format={fmt}&lang=en", headers=tokens["duty_officer"])
    assert saved_as(r.headers["content-disposition"]) == (f"{kind}.{fmt}", f"{kind}.{fmt}")


def test_the_spot_check_export_is_named_in_chinese_with_its_period(client, tokens):
    r = client.get("/api/spotchecks/export?format=xlsx&since=2026-11-01&until=2026-11-30", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    assert saved_as(r.headers["content-disposition"]) == ("抽查记录-2026-11-01至2026-11-30.xlsx", "spotchecks.xlsx")
    r = client.get("/api/spotchecks/export?format=csv", headers=tokens["auditor"])
    assert saved_as(r.headers["content-disposition"]) == ("抽查记录.csv", "spotchecks.csv")


def test_the_yearly_report_is_named_in_chinese(client, tokens):
    r = client.get("/api/statistics/yearly.docx?year=2026", headers=tokens["admin"])
    assert r.status_code == 200, r.text
    assert saved_as(r.headers["content-disposition"]) == ("2026年值班工作统计.docx", "yearly-2026.docx")
