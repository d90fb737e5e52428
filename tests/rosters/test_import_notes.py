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
