"""Instruction (批示/转办) deadlines over every day of 2026, reminders, overdue and the state machine."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from rules.incidents.instructions import (
    AlarmKind,
    Event,
    InstructionPolicy,
    InvalidTransition,
    Status,
    Urgency,
    instruction_deadline,
    overdue,
    reminder_times,
    transition,
)
from rules.rosters.calendar import HolidayCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = HolidayCalendar()


def is_workday(d):
    """Independent of HolidayCalendar; 2027 is not published yet, so plain weekdays there."""
    return chinese_calendar.is_workday(d) if d.year <= 2026 else d.weekday() < 5


def days_2026():
    d = date(2026, 1, 1)
    while d.year == 2026:
        yield d
        d += timedelta(days=1)


def test_general_deadline_every_day_of_2026_against_an_independent_count():
    for day in days_2026():
        fwd = datetime.combine(day, time(10, 0), tzinfo=SH)
        due = instruction_deadline(Urgency.general, fwd, SH, CAL)
        assert due.timetz() == time(17, 30, tzinfo=SH)
        between = [day + timedelta(days=i) for i in range(1, (due.date() - day).days + 1)]
        working = [d for d in between if is_workday(d)]
        assert len(working) == 5 and working[-1] == due.date(), day


def test_national_day_2026():
    due = instruction_deadline(Urgency.general, datetime(2026, 9, 30, 10, tzinfo=SH), SH, CAL)
    assert due.date() == date(2026, 10, 13)  # 10-01..07 off, 10-10 Saturday is a make-up workday


def test_urgent_same_day_every_day_of_2026():
    for day in days_2026():
        for hour in (0, 9, 15):
            fwd = datetime.combine(day, time(hour), tzinfo=SH)
            assert instruction_deadline(Urgency.urgent, fwd, SH, CAL) == datetime.combine(day, time(17, 30), tzinfo=SH)
    late = datetime(2026, 3, 2, 17, 0, tzinfo=SH)
    assert instruction_deadline(Urgency.urgent, late, SH, CAL) == late + timedelta(minutes=120)


def test_policy_changes_the_numbers():
    p = InstructionPolicy(end_of_day=time(18, 0), general_working_days=3)
    due = instruction_deadline(Urgency.general, datetime(2026, 3, 2, 9, tzinfo=SH), SH, CAL, p)
    assert due == datetime(2026, 3, 5, 18, 0, tzinfo=SH)


def test_reminders_one_working_day_before_and_at_deadline():
    fwd = datetime(2026, 9, 30, 10, tzinfo=SH)
    due = instruction_deadline(Urgency.general, fwd, SH, CAL)
    alarms = reminder_times(fwd, due, SH, CAL)
    assert [(a.kind, a.at) for a in alarms] == [
        (AlarmKind.before, datetime(2026, 10, 12, 17, 30, tzinfo=SH)),
        (AlarmKind.at_deadline, due), (AlarmKind.escalate, due)]
    # Monday deadline: the reminder goes on Friday, not Sunday
    mon = datetime(2026, 3, 16, 17, 30, tzinfo=SH)
    assert reminder_times(mon - timedelta(days=7), mon, SH, CAL)[0].at.date() == date(2026, 3, 13)
    urgent_due = datetime(2026, 3, 2, 17, 30, tzinfo=SH)
    assert [a.kind for a in reminder_times(urgent_due - timedelta(hours=3), urgent_due, SH, CAL)] == [
        AlarmKind.at_deadline, AlarmKind.escalate]


def test_reminder_before_is_always_a_working_day_sweep():
    for day in days_2026():
        fwd = datetime.combine(day, time(9), tzinfo=SH)
        due = instruction_deadline(Urgency.general, fwd, SH, CAL)
        before = reminder_times(fwd, due, SH, CAL)[0]
        assert before.kind is AlarmKind.before and is_workday(before.at.date())
        assert fwd < before.at < due


def test_overdue():
    due = datetime(2026, 3, 2, 17, 30, tzinfo=SH)
    assert not overdue(due, Status.forwarded, due).overdue
    o = overdue(due, Status.forwarded, due + timedelta(minutes=61))
    assert (o.overdue, o.minutes, o.escalate) == (True, 61, True)
    o = overdue(due, Status.feedback_received, due + timedelta(days=3), feedback_at=due - timedelta(hours=1))
    assert not o.overdue
    o = overdue(due, Status.closed, due + timedelta(days=3), feedback_at=due + timedelta(minutes=10))
    assert (o.overdue, o.minutes, o.escalate) == (True, 10, False)  # late feedback stays late, no escalation


def test_state_machine_closes_only_after_feedback_and_acceptance():
    s = Status.forwarded
    with pytest.raises(InvalidTransition):
        transition(s, Event.accept)
    s = transition(s, Event.feedback)
    assert transition(s, Event.reject) is Status.forwarded
    assert transition(s, Event.accept) is Status.closed
    for event in Event:
        with pytest.raises(InvalidTransition):
            transition(Status.closed, event)
