"""First-report elements, audit flags and validation of incident input."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.incidents import (
    UNVERIFIED,
    Casualties,
    Category,
    Element,
    FlagCode,
    Grade,
    Incident,
    Report,
    ReportChannel,
    ReportKind,
    audit_flags,
    missing_elements,
    validate_incident,
)

SH = ZoneInfo("Asia/Shanghai")
RECV = datetime(2026, 7, 3, 2, 10, tzinfo=SH)
FULL = Report(
    ReportKind.first, RECV + timedelta(minutes=20), ReportChannel.written, received_at=RECV, source="高观镇值班室",
    occurred_at=RECV - timedelta(minutes=30), place="高观镇某村", category=Category.natural_disaster,
    casualties=Casualties(deaths=UNVERIFIED), scope="2户", measures="疏散群众", leader_on_site="王副镇长",
    reporter="李四", reporter_contact="023-0000000",
)
INC = Incident(Category.natural_disaster, RECV, RECV - timedelta(minutes=30), grade=Grade.IV)


def test_full_first_report_lacks_nothing_and_unverified_counts_as_given():
    assert missing_elements(FULL) == []


@pytest.mark.parametrize("field", [e.value for e in Element][:11])
def test_each_missing_element_is_named(field):
    for blank in (None, "  "):
        if field in ("received_at", "occurred_at", "category", "casualties") and blank is not None:
            continue
        assert missing_elements(replace(FULL, **{field: blank})) == [Element(field)]


def test_final_report_elements():
    final = Report(ReportKind.final, RECV + timedelta(days=2), situation="…", handling="…")
    assert [e.label for e in missing_elements(final)] == ["初步原因", "善后情况"]


def codes(flags):
    return [f.code for f in flags]


def test_on_time_complete_report_has_no_flags():
    assert audit_flags(INC, [FULL], RECV + timedelta(hours=3)) == []


def test_late_overdue_and_omitted():
    late = replace(FULL, reported_at=RECV + timedelta(minutes=125), place=None)
    flags = audit_flags(INC, [late], RECV + timedelta(hours=3))
    assert codes(flags) == [FlagCode.late, FlagCode.omitted_elements]
    assert flags[0].details["minutes_late"] == 5 and flags[0].text == "书面报告迟报5分钟"
    assert "事发地点" in flags[1].text
    # nothing reported yet: overdue only once the deadline has passed
    assert audit_flags(INC, [], RECV + timedelta(minutes=119)) == []
    assert codes(audit_flags(INC, [], RECV + timedelta(minutes=121))) == [FlagCode.overdue]


def test_grade_two_phone_deadline():
    inc = replace(INC, grade=Grade.II)
    phone = replace(FULL, channel=ReportChannel.phone, reported_at=RECV + timedelta(minutes=40))
    written = replace(FULL, reported_at=RECV + timedelta(minutes=50))
    flags = audit_flags(inc, [phone, written], RECV + timedelta(hours=3))
    assert [(f.code, f.details["kind"]) for f in flags] == [(FlagCode.late, "phone")]


def test_learned_elsewhere_without_first_report():
    inc = replace(INC, learned_from_other_channel=True)
    flags = audit_flags(inc, [], RECV + timedelta(minutes=5))
    assert codes(flags) == [FlagCode.no_first_report] and "瞒报" in flags[0].text
    assert FlagCode.no_first_report not in codes(audit_flags(inc, [FULL], RECV + timedelta(minutes=30)))


def test_deaths_rising_from_an_unmarked_figure():
    def rep(minutes, deaths):
        return Report(ReportKind.followup, RECV + timedelta(minutes=minutes), casualties=Casualties(deaths=deaths))
    first = replace(FULL, casualties=Casualties(deaths=1))
    flags = audit_flags(INC, [first, rep(90, UNVERIFIED), rep(100, 3), rep(110, 3), rep(120, 4)],
                        RECV + timedelta(hours=3))
    rose = [f for f in flags if f.code is FlagCode.deaths_rose]
    assert [(f.details["from"], f.details["to"]) for f in rose] == [(3, 4)]
    # a figure that falls is not flagged; a rise straight from a stated figure is
    assert [f.details["to"] for f in audit_flags(INC, [first, rep(60, 0), rep(70, 2)], RECV + timedelta(hours=3))
            if f.code is FlagCode.deaths_rose] == [2]


def fields_of(problems):
    return [p.field for p in problems]


def test_validation():
    assert validate_incident(INC, [FULL], now=RECV + timedelta(hours=1)) == []
    assert fields_of(validate_incident(replace(INC, occurred_at=RECV + timedelta(minutes=1)))) == ["received_at"]
    bad = [replace(FULL, reported_at=RECV + timedelta(minutes=10), casualties=Casualties(injured=-2)),
           Report(ReportKind.final, RECV + timedelta(minutes=5)),
           Report(ReportKind.followup, RECV - timedelta(minutes=1))]
    probs = validate_incident(INC, bad)
    assert [(p.field, p.reason) for p in probs] == [
        ("reports[0].casualties.injured", "受伤人数不能为负数"),
        ("reports[1].reported_at", "终报时间早于首报时间"),
        ("reports[2].reported_at", "报送时间早于接报时间"),
    ]


def test_override_needs_reason_naive_and_future_times():
    inc = replace(INC, suggested_grade=Grade.IV, grade=Grade.III)
    assert fields_of(validate_incident(inc)) == ["grade_override_reason"]
    assert validate_incident(replace(inc, grade_override_reason="涉及学校，社会关注度高")) == []
    assert fields_of(validate_incident(replace(INC, received_at=RECV.replace(tzinfo=None)))) == ["received_at"]
    assert fields_of(validate_incident(INC, now=RECV - timedelta(minutes=1))) == ["received_at"]


def test_a_missing_person_found_dead_is_no_rise():
    def rep(minutes, deaths, missing):
        return Report(ReportKind.followup, RECV + timedelta(minutes=minutes),
                      casualties=Casualties(deaths=deaths, missing=missing))
    first = replace(FULL, casualties=Casualties(deaths=2, missing=3))
    later = RECV + timedelta(hours=3)
    rose = lambda reps: [f.details["to"] for f in audit_flags(INC, reps, later)  # noqa: E731
                         if f.code is FlagCode.deaths_rose]
    assert rose([first, rep(60, 3, 2)]) == []  # one of the missing found dead: 5 dead or missing either way
    assert rose([first, rep(60, 3, 3)]) == [3]  # a new death beside the missing is a rise
    assert rose([first, rep(60, 3, UNVERIFIED)]) == [3]  # the missing unknown: the rise cannot be explained
