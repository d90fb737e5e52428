"""One cell of an office's 值班表 (no database): the date forms, names with phones, the year and month of a title."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rules.rosters.sheet_cells import Named, dated_cell, month_in, parse_day, people_in, phones_in, weekday_of
from rules.rosters.sheet_layout import Grid, parse_roster

DEC_1 = date(2026, 12, 1)


@pytest.mark.parametrize("value, expected", [
    ("12月01日", DEC_1), ("12月1日", DEC_1), ("12.1", DEC_1), ("2026/12/1", DEC_1), ("2026年12月1日", DEC_1),
    ("2026-12-01", DEC_1), ("2026.12.01", DEC_1), ("１２月１日", DEC_1), ("12月1日（星期二）", DEC_1),
    ("12月1日 周二", DEC_1), ("1日", DEC_1), ("1", DEC_1), (1, DEC_1), (46357, DEC_1),
    (datetime(2026, 12, 1, 0, 0), DEC_1), (DEC_1, DEC_1), (12.1, DEC_1), ("1月2日", date(2027, 1, 2)),
    ("12月1日8:30至12月2日8:30", DEC_1), ("12.1-12.2", DEC_1), ("12月1日\n星期二", DEC_1),
])
def test_every_date_form_offices_type(value, expected):
    assert parse_day(value, 2026, 12) == (expected, "")


def test_a_number_typed_as_12_10_follows_the_previous_day():
    assert parse_day(12.1, 2026, 12, after=date(2026, 12, 9)) == (date(2026, 12, 10), "")
    assert parse_day(12.1, 2026, 12, after=date(2026, 11, 30)) == (DEC_1, "")


@pytest.mark.parametrize("value", ["12月45日", "值班电话", "张三", "2026-13-01", True])
def test_what_is_not_a_date_says_so(value):
    day, why = parse_day(value, 2026, 12)
    assert day is None and why


@pytest.mark.parametrize("text, names", [
    ("张建国（13900000000）", [Named("张建国", "13900000000")]),
    ("张建国(13900000000)", [Named("张建国", "13900000000")]),
    ("张建国 13900000000", [Named("张建国", "13900000000")]),
    ("张建国13900000000", [Named("张建国", "13900000000")]),
    ("陈晓燕、杨帆", [Named("陈晓燕"), Named("杨帆")]),
    ("陈晓燕，杨帆/刘洋 赵敏", [Named("陈晓燕"), Named("杨帆"), Named("刘洋"), Named("赵敏")]),
    ("杨　帆、欧阳晓燕", [Named("杨帆"), Named("欧阳晓燕")]),
    ("带班：张建国", [Named("张建国")]),
    ("张建国（组长）", [Named("张建国")]),
    ("陈晓燕 0838-1234567", [Named("陈晓燕", "0838-1234567")]),
    ("张建国 副县长", [Named("张建国")]), ("李明华 镇党委书记、王志强 县政府办主任", [Named("李明华"), Named("王志强")]),
])
def test_names_with_phones_and_several_per_cell(text, names):
    assert people_in(text) == (names, [])


def test_a_cell_that_is_not_names_is_a_problem():
    names, problems = people_in("08:30交班")
    assert problems and "不像姓名" in problems[0]


@pytest.mark.parametrize("text, ym", [
    ("XX县人民政府办公室2026年12月值班表", (2026, 12)), ("2026-12", (2026, 12)), ("12月", (None, 12)),
    ("十二月", (None, 12)), ("二〇二六年十二月份值班表", (2026, 12)), ("2026年值班表", (2026, None)), ("Sheet1", (None, None)),
])
def test_the_month_of_a_title_or_sheet_name(text, ym):
    assert month_in(text) == ym


@pytest.mark.parametrize("text, wd", [("星期一", 0), ("周日", 6), ("礼拜天", 6), ("二", 1), ("值班员", None)])
def test_weekday_names(text, wd):
    assert weekday_of(text) == wd


def test_without_a_month_anywhere_the_sheet_is_a_problem_named_by_sheet():
    rows = [["日期", "带班领导", "值班员"], ["1日", "张三", "李四"]]
    parsed = parse_roster([Grid("Sheet1", rows)], post_labels={"leader": "带班领导", "officer": "值班员"})
    assert parsed.problems and parsed.problems[0].text.startswith("工作表“Sheet1”第1行（年月）：无法确定年月")
    parsed = parse_roster([Grid("Sheet1", rows)], post_labels={"leader": "带班领导", "officer": "值班员"},
                          month=(2026, 12))
    assert parsed.ok and [(d.day, d.posts) for d in parsed.days] == [
        (DEC_1, {"leader": [Named("张三")], "officer": [Named("李四")]})]


@pytest.mark.parametrize("text, names, problem", [
    ("张建国（1390000000）", [Named("张建国")], "“张建国”的电话 1390000000 有误：手机号应为 11 位，这里是 10 位"),
    ("张建国 1390000000", [Named("张建国")], "“张建国”的电话 1390000000 有误：手机号应为 11 位，这里是 10 位"),
    ("张建国1390000000", [Named("张建国")], "“张建国”的电话 1390000000 有误：手机号应为 11 位，这里是 10 位"),
    ("张建国（139000000001）", [Named("张建国")], "“张建国”的电话 139000000001 有误：手机号应为 11 位，这里是 12 位"),
])
def test_a_phone_with_a_digit_missing_or_extra_is_named_never_dropped(text, names, problem):
    assert people_in(text) == (names, [problem])


@pytest.mark.parametrize("value, bare, problems", [
    ("13900000011", ["13900000011"], []),
    ("1390000001", [], ["电话 1390000001 有误：手机号应为 11 位，这里是 10 位"]),  # was read as 39000001
    ("0838-1234567、1390000001", ["0838-1234567"], ["电话 1390000001 有误：手机号应为 11 位，这里是 10 位"]),
])
def test_a_phone_column_cell_keeps_whole_numbers_only(value, bare, problems):
    assert phones_in(value) == ([], bare, problems)


@pytest.mark.parametrize("value, found", [
    ("1.4 林秀英", ("1.4", "林秀英")), ("12月1日\n林秀英（13900000000）", ("12月1日", "林秀英（13900000000）")),
    ("12月1日（周二）陈晓燕、杨帆", ("12月1日", "陈晓燕、杨帆")), ("2026/12/3 李四", ("2026/12/3", "李四")),
    ("12月1日", None), ("林秀英", None), ("12.1-12.2", None), ("12月1日8:30至12月2日8:30", None), ("周一鸣", None),
])
def test_a_week_cell_gives_its_day_before_the_people(value, found):
    assert dated_cell(value) == found


@pytest.mark.parametrize("text", ["A", "x", "张", "A1"])
def test_a_single_letter_or_character_is_no_name(text):
    assert people_in(text) == ([], [f"“{text}”不像姓名：姓名至少两个汉字或两个字母"])


def test_a_single_letter_is_worded_in_english_too():
    from rules.rosters.sheet_grid import Problem, coded
    from web.console.rosters.problems import problem_text

    (why,) = people_in("A")[1]
    assert problem_text(Problem("Sheet1", 3, "C", "带班领导", why, **coded(why)), "en") == (
        "Sheet “Sheet1”, row 3, column C (带班领导): “A” does not look like a name: a name has at least two Chinese "
        "characters or letters")


@pytest.mark.parametrize("row, want", [
    # dutydesk's export: the phones of the names before 联系电话, in their order; a 驾驶员 after it has none
    (["12月1日", "黄文静", "张志强、吴春梅", "13900000001、13900000006、13900000007", "王师傅"],
     {"leader": [("黄文静", "13900000001")], "officer": [("张志强", "13900000006"), ("吴春梅", "13900000007")],
      "driver": [("王师傅", "")]}),
    # an office's 联系电话 of the officers only: still the officers' (the leader has none)
    (["12月1日", "黄文静", "张志强、吴春梅", "13900000006、13900000007", None],
     {"leader": [("黄文静", "")], "officer": [("张志强", "13900000006"), ("吴春梅", "13900000007")]}),
])
def test_a_phone_column_of_bare_phones_goes_to_the_names_in_order(row, want):
    from rules.rosters.sheet_grid import Grid
    from rules.rosters.sheet_layout import parse_roster

    grid = Grid("Sheet1", [["高观镇2026年12月值班表"], ["日期", "带班领导", "值班员", "联系电话", "驾驶员"], row])
    parsed = parse_roster([grid], post_labels={"leader": "带班领导", "officer": "值班员", "driver": "驾驶员"},
                          month=(2026, 12))
    (day,) = parsed.days
    assert {post: [(p.name, p.phone) for p in people] for post, people in day.posts.items() if people} == want
    assert not parsed.warnings and not parsed.problems
