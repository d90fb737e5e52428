"""A second title row — "（2026年12月1日—12月31日）" under the title, or "制表人：… 审核：…" — is kept with the
title, as the title and footer are, and shown on the print page and the export under the title; never a data row."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.rosters.test_import_layouts import (EXPECTED, FOOTER, do_import, stored, title, unit,  # noqa: F401
                                               wd, xlsx)
from tests.conftest import PASSWORD

SUBTITLE = "（2026年12月1日—12月31日）"


def with_subtitle(wb):
    ws = wb.active
    title(ws, "高观镇2026年12月值班表", 5)
    title(ws, SUBTITLE, 5)
    ws.append(["制表人：王五", None, None, "审核：赵六", None])
    ws.append(["日期", "星期", "带班领导", "值班员", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_), note])
    ws.append([FOOTER])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=5)


def test_the_second_title_rows_are_kept_with_the_title(client, users, tokens, session, unit):
    preview, _ = do_import(session, unit, xlsx(with_subtitle))
    assert not preview.problems
    assert stored(session, unit) == EXPECTED  # no day made of the title rows
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code in (302, 303)
    page = client.get(f"/rosters/{unit.id}/2026-12/print?lang=zh-CN", headers={"accept": "text/html"}).text
    assert "<h1>高观镇2026年12月值班表</h1>" in page
    assert f'<p class="file-subtitle" lang="zh-CN">{SUBTITLE}</p>' in page
    assert '<p class="file-subtitle" lang="zh-CN">制表人：王五 审核：赵六</p>' in page
    r = client.get(f"/api/rosters/{unit.id}/2026-12/export.xlsx", headers=tokens["duty_officer"])
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == ["高观镇2026年12月值班表", SUBTITLE,
                                                               "制表人：王五 审核：赵六"]
    assert ws["A4"].value == "日期" and ws["A1"].font.bold and not ws["A2"].font.bold
    # and the export imports again as the same roster, with the same title lines
    again, _ = do_import(session, unit, r.content)
    assert list(again.parsed.titles.values()) == list(preview.parsed.titles.values()) and stored(session, unit) == EXPECTED
