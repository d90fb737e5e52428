"""备注 on re-import, as a clerk/auditor tester found (issue 13): a file without a 备注 column keeps the month's
stored notes; a file with one sets them, an empty cell clearing that day's note, and the preview (and the audit
entry) says which stored notes change or are removed."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from core.spreadsheets import read_workbook
from models.audit import AuditEntry
from services.rosters import imports
from tests.rosters.test_import_layouts import (BY, EXPECTED, NOW, OFFICERS, TZ, do_import, footer, stored,  # noqa: F401
                                               title, unit, wd, xlsx)
from web.console.rosters.problems import problem_text

DEC24, DEC31 = date(2026, 12, 24), date(2026, 12, 31)


def with_notes(wb, notes: dict[date, str] | None = None):
    ws = wb.active
    title(ws, "XX县人民政府办公室2026年12月值班表", 5)
    ws.append(["日期", "星期", "带班领导", "值班人员", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_), (notes or {}).get(d, note)])
    footer(ws, 5)


def without_notes(wb):
    ws = wb.active
    title(ws, "XX县人民政府办公室2026年12月值班表", 4)
    ws.append(["日期", "星期", "带班领导", "值班人员"])
    for d, (ls, os_, _note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_)])
    footer(ws, 4)


def notes_of(session, unit) -> dict[date, str]:
    return {d: v[2] for d, v in stored(session, unit).items() if v[2]}


def preview(session, unit, data):
    return imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                                  month="2026-12", now=NOW, tz=TZ)


def test_a_file_without_a_备注_column_keeps_the_stored_notes_and_says_so(session, unit):
    do_import(session, unit, xlsx(with_notes))
    assert notes_of(session, unit) == {DEC24: "平安夜加强值守", DEC31: "跨年夜领导在岗"}
    p = preview(session, unit, xlsx(without_notes))
    assert p.ok and p.notes_kept == {"2026-12": 2} and not p.note_changes
    assert any("保留 2026-12 已有的 2 条备注" in w.text for w in p.warnings), [w.text for w in p.warnings]
    assert any("2 stored note(s) of 2026-12 are kept" in problem_text(w, "en") for w in p.warnings)
    do_import(session, unit, xlsx(without_notes))
    assert notes_of(session, unit) == {DEC24: "平安夜加强值守", DEC31: "跨年夜领导在岗"}
    assert {d: v[:2] for d, v in stored(session, unit).items()} == {d: v[:2] for d, v in EXPECTED.items()}


def test_an_empty_备注_cell_clears_that_days_note_and_the_preview_and_audit_name_it(session, unit):
    do_import(session, unit, xlsx(with_notes))
    changed = xlsx(lambda wb: with_notes(wb, {DEC24: "", DEC31: "跨年夜县长在岗"}))
    p = preview(session, unit, changed)
    assert p.ok and not p.notes_kept
    assert {(c.day, c.before, c.after) for c in p.note_changes} == {
        (DEC24, "平安夜加强值守", ""), (DEC31, "跨年夜领导在岗", "跨年夜县长在岗")}
    texts = [w.text for w in p.warnings]
    assert any("将删除 1 条已有备注" in t and "12月24日“平安夜加强值守”" in t for t in texts), texts
    assert any("将更改 1 条已有备注" in t and "“跨年夜领导在岗”→“跨年夜县长在岗”" in t for t in texts), texts
    do_import(session, unit, changed)
    assert notes_of(session, unit) == {DEC31: "跨年夜县长在岗"}
    last = session.exec(select(AuditEntry).where(AuditEntry.action == "import")
                        .order_by(AuditEntry.seq.desc())).first()
    assert "删除备注：2026-12-24" in last.note and "更改备注：2026-12-31" in last.note


# -- 备注 in a week grid, kept as typed like in every other layout --------------------------------------------

TYPED = "领导外出，由李明华代班（电话：13900000002）ＡＢ"  # full-width ，（）：and letters, as the clerk typed them


def _week_grid_typed_notes(wb, cell, note_row=None):
    """One row per week (周次 | 星期一…星期日), each cell its day and people; `cell(day, people)` writes the cell;
    `note_row(day)`, when given, writes a 备注 row under each week."""
    from datetime import timedelta
    ws = wb.active
    title(ws, "XX镇2026年12月值班表", 8)
    ws.append(["周次", *(f"星期{w}" for w in "一二三四五六日")])
    monday, n = date(2026, 11, 30), 1
    while monday <= date(2026, 12, 31):
        days = [monday + timedelta(days=i) for i in range(7)]
        ws.append([f"第{n}周", *(cell(d, EXPECTED[d]) if d in EXPECTED else None for d in days)])
        if note_row is not None:
            ws.append(["备注", *(note_row(d) for d in days)])
        monday, n = monday + timedelta(days=7), n + 1


def test_a_note_in_a_week_grids_cell_is_kept_as_typed(session, unit):
    """'12.24 带班：张建国 值班：陈晓燕 备注：…' and a dated cell with a 备注 label: the note as typed, not NFKC."""
    def cell(d, day):
        ls, os_, _ = day
        note = f"\n备注：{TYPED}" if d == DEC24 else ""
        return f"{d.month}.{d.day}\n带班：{ls[0]}\n值班：{'、'.join(os_)}{note}"
    do_import(session, unit, xlsx(lambda wb: _week_grid_typed_notes(wb, cell)))
    assert notes_of(session, unit) == {DEC24: TYPED}
    assert stored(session, unit)[DEC24][:2] == EXPECTED[DEC24][:2]


def test_a_note_row_under_a_week_grid_keeps_full_width_text(session, unit):
    """A 备注 row under a week's dated row: as typed too (it already was; the dated row above must not change it)."""
    def cell(d, day):
        return f"{d.month}月{d.day}日\n带班：{day[0][0]}\n值班：{'、'.join(day[1])}"
    build = lambda wb: _week_grid_typed_notes(wb, cell, lambda d: TYPED if d == DEC24 else None)  # noqa: E731
    do_import(session, unit, xlsx(build))
    assert notes_of(session, unit) == {DEC24: TYPED}
