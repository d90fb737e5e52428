"""Leaders' instructions (领导批示) forwarded to units (转办): deadlines, reminders, overdue, states; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from rules.rosters.calendar import HolidayCalendar


class Urgency(StrEnum):
    urgent = "urgent"  # 特急: same day
    general = "general"  # 一般: N working days

    @property
    def label(self) -> str:
        return {"urgent": "紧急", "general": "一般"}[self.value]


@dataclass(frozen=True)
class InstructionPolicy:
    end_of_day: time = time(17, 30)  # local end of the working day
    general_working_days: int = 5
    urgent_min_minutes: int = 120  # forwarded after hours: at least this long to answer
    remind_working_days_before: int = 1
    escalate_after_minutes: int = 0  # after the deadline, escalate to the lead unit's head


def instruction_deadline(urgency: Urgency, forwarded_at: datetime, tz: tzinfo, calendar: HolidayCalendar,
                         policy: InstructionPolicy | None = None) -> datetime:
    """Feedback deadline: urgent → end of that day; general → N working days later, end of day."""
    p = policy or InstructionPolicy()
    local = forwarded_at.astimezone(tz)
    if urgency is Urgency.urgent:
        due = datetime.combine(local.date(), p.end_of_day, tzinfo=tz)
        # forwarded near or after the end of the day: still urgent, but answerable
        return max(due, local + timedelta(minutes=p.urgent_min_minutes))
    return datetime.combine(calendar.add_workdays(local.date(), p.general_working_days), p.end_of_day, tzinfo=tz)


def previous_workday(day: date, n: int, calendar: HolidayCalendar) -> date:
    """The date `n` working days before `day`."""
    d, left = day, n
    while left > 0:
        d -= timedelta(days=1)
        if calendar.is_workday(d):
            left -= 1
    return d


class AlarmKind(StrEnum):
    before = "before"  # 到期前提醒
    at_deadline = "at_deadline"  # 到期提醒
    escalate = "escalate"  # 逾期升级

    @property
    def label(self) -> str:
        return {"before": "到期前提醒", "at_deadline": "到期提醒", "escalate": "逾期升级"}[self.value]


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    at: datetime


def reminder_times(forwarded_at: datetime, due: datetime, tz: tzinfo, calendar: HolidayCalendar,
                   policy: InstructionPolicy | None = None) -> list[Alarm]:
    """Reminders N working days before and at the deadline, and the escalation when overdue."""
    p = policy or InstructionPolicy()
    local_due = due.astimezone(tz)
    out = []
    if p.remind_working_days_before > 0:
        day = previous_workday(local_due.date(), p.remind_working_days_before, calendar)
        before = datetime.combine(day, local_due.timetz())
        if before > forwarded_at:  # urgent items have no "day before"
            out.append(Alarm(AlarmKind.before, before))
    out.append(Alarm(AlarmKind.at_deadline, local_due))
    out.append(Alarm(AlarmKind.escalate, local_due + timedelta(minutes=p.escalate_after_minutes)))
    return out


class Status(StrEnum):
    forwarded = "forwarded"  # 已转办, waiting for feedback
    feedback_received = "feedback_received"  # 已反馈, waiting for the office to accept
    closed = "closed"  # 已办结: feedback accepted

    @property
    def label(self) -> str:
        return {"forwarded": "已转办", "feedback_received": "已反馈", "closed": "已办结"}[self.value]


class Event(StrEnum):
    feedback = "feedback"  # the unit answers (反馈)
    accept = "accept"  # the office accepts the feedback
    reject = "reject"  # the office sends it back (退回): more feedback needed


_TRANSITIONS = {
    (Status.forwarded, Event.feedback): Status.feedback_received,
    (Status.feedback_received, Event.feedback): Status.feedback_received,  # supplementary feedback
    (Status.feedback_received, Event.accept): Status.closed,
    (Status.feedback_received, Event.reject): Status.forwarded,
}


class InvalidTransition(ValueError):
    pass


def transition(status: Status, event: Event) -> Status:
    """Next status; an item only closes when feedback has arrived and the office accepts it."""
    try:
        return _TRANSITIONS[(status, event)]
    except KeyError:
        raise InvalidTransition(f"{status.label}状态下不能{event.value}") from None


@dataclass(frozen=True)
class Overdue:
    overdue: bool
    minutes: int  # how far past the deadline (0 when not overdue)
    escalate: bool


def overdue(due: datetime, status: Status, now: datetime, feedback_at: datetime | None = None,
            policy: InstructionPolicy | None = None) -> Overdue:
    """Whether an item is overdue at `now`: no feedback by the deadline (late feedback stays recorded as late)."""
    p = policy or InstructionPolicy()
    answered_at = feedback_at if status is not Status.forwarded else None
    until = answered_at if answered_at is not None else now
    late = (until - due).total_seconds()
    if late <= 0:
        return Overdue(False, 0, False)
    minutes = int(-(-late // 60))
    waiting = answered_at is None
    return Overdue(True, minutes, waiting and minutes >= p.escalate_after_minutes)
