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
