"""Report deadlines, lateness, follow-up schedule and 续报 numbering."""

import itertools
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rules.incidents import (
    UNVERIFIED,
    Casualties,
    Category,
    DeadlinePolicy,
    FollowupPolicy,
    Grade,
    ReportChannel,
    ReportKind,
    alarm_due,
    casualty_change_followup,
    chinese_numeral,
    followup_title,
    lateness,
    meets,
    meets_followup_slot,
    next_followups,
    previous_followup,
    report_deadlines,
    unverified_reminders,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 3, 2, 10, tzinfo=SH)


def test_sweep_grade_category_sensitivity():
    for grade, cat, sensitive in itertools.product([*Grade, None], Category, (False, True)):
        got = {d.kind: d.minutes for d in report_deadlines(grade, sensitive, cat, T0)}
        own = Grade.III if grade is None else grade
        strict = sensitive or cat is Category.public_opinion
        want = {ReportChannel.written: 60 if own <= Grade.III or strict else 120}
        if own <= Grade.II:
            want[ReportChannel.phone] = 30
        assert got == want, (grade, cat, sensitive)
        for d in report_deadlines(grade, sensitive, cat, T0):
            assert d.due == T0 + timedelta(minutes=d.minutes)


def test_deadlines_are_sorted_and_configurable():
    ds = report_deadlines(Grade.I, False, Category.accident, T0)
    assert [d.kind for d in ds] == [ReportChannel.phone, ReportChannel.written]
    p = DeadlinePolicy(minutes={**DeadlinePolicy().minutes, Grade.IV: {ReportChannel.written: 90}})
    assert report_deadlines(Grade.IV, False, Category.accident, T0, p)[0].minutes == 90


def test_strict_deadlines_never_loosen_a_grades_own():
    tight = {ReportChannel.phone: 20, ReportChannel.written: 45}
    p = DeadlinePolicy(minutes={**DeadlinePolicy().minutes, Grade.I: tight})
    for sensitive, cat in ((True, Category.accident), (False, Category.public_opinion)):
        got = {d.kind: d.minutes for d in report_deadlines(Grade.I, sensitive, cat, T0, p)}
        assert got == tight
        got = {d.kind: d.minutes for d in report_deadlines(Grade.IV, sensitive, cat, T0, p)}
        assert got == {ReportChannel.written: 60}


@pytest.mark.parametrize("delta,late,minutes", [
    (timedelta(0), False, 0), (timedelta(seconds=-1), False, 0), (timedelta(seconds=1), True, 1),
    (timedelta(minutes=15), True, 15), (timedelta(minutes=15, seconds=1), True, 16),
])
def test_lateness(delta, late, minutes):
    lt = lateness(T0, T0 + delta)
    assert (lt.late, lt.minutes_late) == (late, minutes)
    assert ("迟报" in lt.label) == late


@pytest.mark.parametrize("now,want", [
    (datetime(2026, 7, 3, 2, 10, tzinfo=SH), [(3, 8), (3, 17)]),
    (datetime(2026, 7, 3, 8, 0, tzinfo=SH), [(3, 17), (4, 8)]),  # at 08:00 the slot is due, next ones after
    (datetime(2026, 7, 3, 17, 30, tzinfo=SH), [(4, 8), (4, 17)]),
    (datetime(2026, 7, 3, 10, 0, tzinfo=timezone.utc), [(4, 8), (4, 17)]),  # 18:00 local
])
def test_next_followups(now, want):
    got = next_followups(Grade.III, now, SH)
    assert [(d.day, d.hour) for d in got] == want
    assert all(d.tzinfo is SH for d in got)


def test_followups_only_grade_three_up_and_until_final():
    assert next_followups(Grade.IV, T0, SH) == []
    assert next_followups(None, T0, SH) == []
    assert len(next_followups(Grade.I, T0, SH, limit=5)) == 5
    assert next_followups(Grade.II, T0, SH, final_reported_at=T0) == []
    p = FollowupPolicy(daily_times=(time(12, 0),))
    assert [d.hour for d in next_followups(Grade.I, T0, SH, p, limit=3)] == [12, 12, 12]


def test_casualty_change_needs_followup_at_once():
    before = Casualties(deaths=UNVERIFIED, injured=2)
    assert casualty_change_followup(before, before, T0) is None
    assert casualty_change_followup(None, before, T0) is None
    due = casualty_change_followup(before, Casualties(deaths=1, injured=2), T0)
    assert due.due == T0 and "死亡待核实→1" in due.text


def test_each_unverified_figure_gets_a_reminder():
    rs = unverified_reminders(Casualties(deaths=UNVERIFIED, missing=UNVERIFIED), T0,
                              FollowupPolicy(unverified_reminder_minutes=45))
    assert [(r.element, r.due) for r in rs] == [("deaths", T0 + timedelta(minutes=45)),
                                                ("missing", T0 + timedelta(minutes=45))]
    assert unverified_reminders(Casualties(), T0) == []


@pytest.mark.parametrize("n,text", [
    (1, "一"), (2, "二"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
    (100, "一百"), (101, "一百零一"), (110, "一百一十"), (1001, "一千零一"), (1010, "一千零一十"),
    (10000, "一万"), (10010, "一万零一十"), (100000, "十万"), (120034, "十二万零三十四"),
])
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text
    assert followup_title(n) == "续报" + text


def _parse(s):
    """Independent reader of Chinese numerals, for the round-trip sweep."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    total, section, num = 0, 0, 0
    for c in s:
        if c in digits:
            num = digits[c]
        elif c in "十百千":
            section += (num or 1) * {"十": 10, "百": 100, "千": 1000}[c]
            num = 0
        elif c == "万":
            total += (section + num) * 10000
            section = num = 0
    return total + section + num


def test_numeral_round_trip_sweep():
    seen = set()
    for n in range(1, 120_001):
        s = chinese_numeral(n)
        assert _parse(s) == n, (n, s)
        assert "零零" not in s and not s.endswith("零")
        seen.add(s)
    assert len(seen) == 120_000
    with pytest.raises(ValueError):
        chinese_numeral(0)


# which report meets which deadline: phone = the 首报's (either medium), written = a written 首报 or 续报,
# 续报 deadlines = a 续报 or the 终报 (either medium); 待核实 reminders by no kind of report
MEETS = {
    ("first", "phone"): {"phone"},
    ("first", "written"): {"phone", "written"},
    ("followup", "phone"): {"followup", "casualty_change"},
    ("followup", "written"): {"written", "followup", "casualty_change"},
    ("final", "phone"): {"followup", "casualty_change"},
    ("final", "written"): {"followup", "casualty_change"},
}


def test_which_report_meets_which_deadline():
    kinds = ("phone", "written", "followup", "casualty_change", "unverified")
    for kind, medium in itertools.product(ReportKind, ReportChannel):
        got = {d for d in kinds if meets(kind, medium, d)}
        assert got == MEETS[(kind.value, medium.value)], (kind, medium)
        assert got == {d for d in kinds if meets(kind.value, medium.value, d)}  # stored strings alike
    assert not meets("followup", "written", "phone")  # a written 续报 is no 首报: the phone deadline stays open


D = T0 + timedelta(minutes=60)


@pytest.mark.parametrize("now,kw,want", [
    (D - timedelta(minutes=11), {}, None),
    (D - timedelta(minutes=10), {}, "before"),
    (D - timedelta(minutes=1), {"warned_at": D - timedelta(minutes=10)}, None),
    (D, {"warned_at": D - timedelta(minutes=10)}, "at"),
    (D + timedelta(hours=3), {}, "at"),  # never warned: only the at-deadline alarm, late
    (D + timedelta(minutes=5), {"alarmed_at": D}, None),
    # reopened at D+20 (its report's upward send failed): the alarm at D was for the old opening
    (D + timedelta(minutes=21), {"alarmed_at": D, "opened_at": D + timedelta(minutes=20)}, "at"),
    (D + timedelta(minutes=22), {"alarmed_at": D + timedelta(minutes=21), "opened_at": D + timedelta(minutes=20)},
     None),
    # reopened before its time: warned and alarmed like a new deadline
    (D - timedelta(minutes=5), {"warned_at": D - timedelta(minutes=30), "opened_at": D - timedelta(minutes=20)},
     "before"),
    (D - timedelta(minutes=5), {"warned_at": D - timedelta(minutes=6), "opened_at": D - timedelta(minutes=20)},
     None),
])
def test_alarm_due(now, kw, want):
    assert alarm_due(D, now, 10, **kw) == want


def test_no_pre_alarm_when_none_configured():
    assert alarm_due(D, D - timedelta(minutes=1), 0) is None and alarm_due(D, D, 0) == "at"


def test_a_daily_slot_is_answered_only_within_its_own_window():
    """08:00 and 17:00 slots, a 180-minute window: 22:13 the evening before is not the morning's report."""
    morning = datetime(2026, 12, 4, 8, 0, tzinfo=SH)
    evening = datetime(2026, 12, 4, 17, 0, tzinfo=SH)
    assert previous_followup(morning, SH) == datetime(2026, 12, 3, 17, 0, tzinfo=SH)
    assert previous_followup(evening, SH) == morning
    assert not meets_followup_slot(morning, datetime(2026, 12, 3, 22, 13, tzinfo=SH), SH)
    assert not meets_followup_slot(morning, datetime(2026, 12, 4, 4, 59, tzinfo=SH), SH)
    assert meets_followup_slot(morning, datetime(2026, 12, 4, 5, 1, tzinfo=SH), SH)
    assert meets_followup_slot(morning, morning, SH)
    assert meets_followup_slot(morning, datetime(2026, 12, 4, 9, 30, tzinfo=SH), SH)  # late, but it answers it
    assert not meets_followup_slot(evening, datetime(2026, 12, 4, 8, 0, tzinfo=SH), SH)  # the morning's own
    assert meets_followup_slot(evening, datetime(2026, 12, 4, 14, 1, tzinfo=SH), SH)
    # a long window still never reaches back past the previous slot
    wide = FollowupPolicy(window_minutes=24 * 60)
    assert not meets_followup_slot(evening, datetime(2026, 12, 4, 7, 59, tzinfo=SH), SH, wide)
    assert meets_followup_slot(evening, datetime(2026, 12, 4, 8, 1, tzinfo=SH), SH, wide)
    one = FollowupPolicy(daily_times=(time(9, 0),))
    assert previous_followup(datetime(2026, 12, 4, 9, 0, tzinfo=SH), SH, one) == datetime(2026, 12, 3, 9, 0, tzinfo=SH)
