"""A column whose header the parser does not know (在岗同志) is said as such, by sheet, column and header, with the
mapping to choose; until it is mapped it lends nothing to the columns beside it: the officers' phones in the
联系电话 column are not given to the day's leader nor offered as the leader's new phone. Workbooks are built here
with openpyxl, the way a county office lays its file out (leader merged over the day's officer rows)."""

from __future__ import annotations

from tests.rosters.test_import_checks import preview
from tests.rosters.test_import_layouts import EXPECTED, OFFICERS, footer, title, unit, wd, xlsx  # noqa: F401


def merged_leader_with_officer_phones(header: str):
    def build(wb):
        ws = wb.active
        ws.title = "12月"
        title(ws, "XX县人民政府办公室2026年12月值班表", 6)
        ws.append(["日期", "星期", "带班领导", header, "联系电话", "备注"])
        for d, (ls, os_, note) in EXPECTED.items():
            top = ws.max_row + 1
            for i, o in enumerate(os_):
                first = i == 0
                ws.append([f"{d.month}月{d.day}日" if first else None, wd(d) if first else None,
                           ls[0] if first else None, f"{o}（1380000{i}{d.day:03d}）", f"1380000{i}{d.day:03d}",
                           note if first else None])
            if len(os_) > 1:
                for col in (1, 2, 3, 6):
                    ws.merge_cells(start_row=top, start_column=col, end_row=ws.max_row, end_column=col)
        footer(ws, 6)
    return build


def test_an_unknown_officer_column_is_named_and_lends_no_phone_to_the_leader(session, unit):
    p = preview(session, unit, xlsx(merged_leader_with_officer_phones("在岗同志")))
    texts = [x.text for x in p.problems]
    assert any(t.startswith("工作表“12月”第2行D列（在岗同志）：未能识别此列：请在下方“识别为”一栏选择") for t in texts), texts
    assert p.phones == []  # before: every leader offered the phone of the officer beside him
    assert not any("电话" in w.text and "带班领导" in w.text for w in p.warnings), [w.text for w in p.warnings]
    assert all(not x["phone"] or x["phone"].startswith("139") for d in p.days for x in d["posts"].get("leader", []))
    assert {c.column: c.role for c in p.parsed.columns}["D"] == "ignore"  # listed, to be mapped


def test_once_mapped_the_column_is_read_with_its_phones(session, unit):
    p = preview(session, unit, xlsx(merged_leader_with_officer_phones("在岗同志")), columns={"D": "officer"})
    assert p.ok, [x.text for x in p.problems]
    assert {x.name for x in p.phones} <= set(OFFICERS) and p.phones


def test_common_officer_words_are_officer_headers(session, unit):
    for header in ("值班同志", "值守人员", "值班人", "值守干部"):
        p = preview(session, unit, xlsx(merged_leader_with_officer_phones(header)))
        assert p.ok, (header, [x.text for x in p.problems])
        assert {c.column: c.role for c in p.parsed.columns}["D"] == "officer"
        assert {x.name for x in p.phones} <= set(OFFICERS)


def test_the_cli_says_how_to_map_an_unknown_column_with_its_own_option(cli_db, tmp_path):
    """t15's M6: `roster import --dry-run` pointed the clerk at a box "below" and a button of the console; it names
    the option that maps the column, and the mapping lines read in zh-CN (日期, 电话, 忽略 — not date / phone / ignore)."""
    from tests.conftest import run_cli
    from tests.rosters.test_import_layouts import staffed_town

    staffed_town(cli_db)
    path = tmp_path / "值班表.xlsx"
    path.write_bytes(xlsx(merged_leader_with_officer_phones("在岗同志")))
    r = run_cli("roster", "import", path, "--unit", "t1", "--month", "2026-12", "--dry-run")
    out = r.output
    assert r.exit_code == 1, out
    assert "请用 --column D=leader、officer、phone、note 或 ignore 指定此列" in out and "识别为" not in out
    assert "→ 日期" in out and "→ date" not in out and "→ ignore" not in out
