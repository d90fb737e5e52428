"""The same person written twice for one post of a day — on two rows of the day, or in two cells — is kept once
and said where (sheet, row, column), with where the name first was; a leader's cell merged over the day's officer
rows is one mention, not a repeat."""

from __future__ import annotations

from services.rosters import imports
from tests.rosters.test_import_layouts import (BY, EXPECTED, NOW, TZ, OFFICERS, merged_day_over_officer_rows,  # noqa: F401
                                               read_workbook, title, unit, wd, xlsx)
from web.console.rosters.problems import problem_text


def repeated(wb):
    """One row per officer, the date on the first row of the day only, the leader typed again on each row;
    12月2日 has 陈晓燕 on two rows (the row written twice)."""
    ws = wb.active
    ws.title = "12月"
    title(ws, "高观镇2026年12月值班表", 4)
    ws.append(["日期", "星期", "带班领导", "值班员"])
    for d, (ls, os_, _note) in EXPECTED.items():
        offs = ["陈晓燕", "陈晓燕"] if d.day == 2 else os_
        for i, o in enumerate(offs):
            ws.append([f"{d.month}月{d.day}日" if i == 0 else None, wd(d) if i == 0 else None, ls[0], o])


def _preview(session, unit, data: bytes):
    return imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, tz=TZ,
                                  month="2026-12", now=NOW)


def test_a_name_twice_on_a_day_is_said_per_row(session, unit):
    preview = _preview(session, unit, xlsx(repeated))
    assert not preview.problems, [p.text for p in preview.problems]
    said = [w for w in preview.warnings if w.code == "repeated_name"]
    december_2 = [w for w in said if dict(w.params)["day"] == "2026-12-02"]
    officer = [w for w in december_2 if w.header == "值班员"]
    assert len(officer) == 1 and officer[0].sheet == "12月" and officer[0].column == "D"
    first_row = dict(officer[0].params)["row"]
    assert officer[0].row == first_row + 1  # the next row of the day
    assert officer[0].text == (f"工作表“12月”第{officer[0].row}行D列（值班员）：“陈晓燕”在 2026-12-02 已写在第"
                               f"{first_row}行D列，重复的只安排一次")
    day = next(d for d in preview.days if str(d["day"]) == "2026-12-02")
    assert [x["name"] for x in day["posts"]["officer"]] == ["陈晓燕"]  # kept once
    assert preview.ok  # a warning: the import goes on
    assert "“陈晓燕” is already written for 2026-12-02 at row" in problem_text(officer[0], "en", {})
    # the leader typed again on each officer row of a day carries one value down, as a merged cell: no repeat;
    # on 12月2日 the whole row is written twice, so its leader is said too
    assert {dict(w.params)["day"] for w in said} == {"2026-12-02"}
    assert sorted(w.header for w in said) == ["值班员", "带班领导"]


def test_a_leader_merged_over_the_officer_rows_is_no_repeat(session, unit):
    preview = _preview(session, unit, xlsx(merged_day_over_officer_rows))
    assert not [w for w in preview.warnings if w.code == "repeated_name"]
