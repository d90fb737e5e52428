"""Issue 14: the roster import preview's problems and warnings in the page's language. zh-CN: the checks' own
sentences; English: the same problems worded from their code and values, the file's words (names, headers,
sheet names) as written."""

from __future__ import annotations

import re

import lxml.html

from rules.rosters.sheet_grid import Problem, said
from tests.rosters.test_import_checks import _login, edited, slots  # noqa: F401
from tests.rosters.test_import_layouts import unit  # noqa: F401
from web.console.rosters.problems import problem_text

CJK = re.compile("[\u4e00-\u9fff]")


def _preview(client, unit, lang):  # noqa: F811
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12&lang={lang}", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", edited(D4="新同志", E4=None, B5="星期日"))}, headers={"accept": "text/html"})
    assert r.status_code == 200
    return [li.text_content() for li in lxml.html.fromstring(r.text).get_element_by_id("import-problems").iter("li")]


def test_the_preview_words_its_problems_in_english(client, users, session, unit):  # noqa: F811
    shown = _preview(client, unit, "en")
    assert "Sheet “Sheet1”, row 5, column B (星期): 2026-12-03 is a Thursday, not “星期日”" in shown
    assert any(s.startswith("Sheet “Sheet1”, row 4, column D (值班人员): “新同志” is not in this unit's directory "
                            "(on 1 day(s)): tick “Create people missing from the directory”") for s in shown), shown
    for s in shown:  # no Chinese but the file's own words
        assert not CJK.search(s.replace("星期日", "").replace("星期", "").replace("值班人员", "").replace("新同志", "")
                              ), s
    assert slots(session, unit) == 0


def test_the_preview_keeps_the_chinese_sentences_on_a_chinese_page(client, users, session, unit):  # noqa: F811
    shown = _preview(client, unit, "zh-CN")
    assert "工作表“Sheet1”第5行B列（星期）：2026-12-03 是星期四，不是“星期日”" in shown
    assert any("“新同志”不在本单位通讯录中（1 天）：可选择“创建缺少的人员”一并导入" in s for s in shown), shown


def test_posts_weekdays_and_headers_are_worded_and_a_problem_without_a_code_stays_as_it_came():
    labels = {"leader": "带班领导", "officer": "值班员"}
    twice = Problem("12月", 7, "C", "值班员", "“李明”在 2026-12-05 同时担任带班领导和值班员",
                    **said("twice", name="李明", day="2026-12-05", first="leader", post="officer"))
    assert problem_text(twice, "en", labels) == ("Sheet “12月”, row 7, column C (Duty officer): “李明” is both "
                                                 "Duty leader and Duty officer on 2026-12-05")
    assert problem_text(twice, "zh-CN", labels) == twice.text
    gap = Problem("12月", 0, "", "日期", "缺少 2 天：12月30日、12月31日",
                  **said("days_missing", n=2, dates=("2026-12-30", "2026-12-31"), more=False))
    assert problem_text(gap, "en", labels) == "Sheet “12月” (date): 2 days missing: 2026-12-30, 2026-12-31"
    bare = Problem("12月", 3, "D", "值班员", "“X”不像姓名")
    assert problem_text(bare, "en", labels) == bare.text  # no code: the checks' own words


def test_a_cells_own_reason_is_worded_too():
    from rules.rosters.sheet_cells import parse_day, people_in, phones_in
    from rules.rosters.sheet_grid import coded

    _, why = parse_day("十二月初一", 2026, 12)
    (not_a_name,) = people_in("张建国、??")[1]
    (short,) = people_in("张建国 1390000000")[1]
    (no_phone,) = phones_in("1390000000")[2]
    got = [problem_text(Problem("Sheet1", 3, "C", "值班人员", r, **coded(r)), "en") for r in
           (why, not_a_name, short, no_phone)]
    assert got == ["Sheet “Sheet1”, row 3, column C (值班人员): “十二月初一” is not a date (write it as 2026-12-01, "
                   "12月1日, 12.1 or the like)",
                   "Sheet “Sheet1”, row 3, column C (值班人员): “??” does not look like a name",
                   "Sheet “Sheet1”, row 3, column C (值班人员): The phone 1390000000 is wrong: a mobile number has 11 "
                   "digits, this one 10",
                   "Sheet “Sheet1”, row 3, column C (值班人员): The phone 1390000000 is wrong: a mobile number has 11 "
                   "digits, this one 10"]  # a phone column's digits that are no phone
    assert why == "“十二月初一”不是日期（可写作 2026-12-01、12月1日、12.1 等）"  # the zh-CN text as it always was
