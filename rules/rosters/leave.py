"""Leave reporting (请假报备) for leading cadres, and absences (不可值班) of anyone: validation, pure.

A formal report (leading cadres, 县管正职) needs destination, reason, contact,
work arrangements and an acting person, filed ahead. Anyone else's absence is
recorded only so the roster treats them as unavailable: dates and the checks
that protect the office (order of dates, pairs, self-acting) still apply.

Dates are to the half-day: AM is 00:00-12:00 local, PM 12:00-24:00. Lead time
is counted in whole dates from the filing date (`today`, passed in): at least
`lead_days` calendar days, or for travel abroad `abroad_lead_workdays` working
days on the holiday calendar (filing Monday for a Thursday departure is 3).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules.rosters.calendar import HolidayCalendar
from rules.rosters.seasons import FLOOD_SEASON, Window


class HalfDay(StrEnum):
    am = "am"  # 上午
    pm = "pm"  # 下午


@dataclass(frozen=True, kw_only=True)
class LeavePolicy:
    """Configurable leave-reporting rules (DOMAIN.md defaults); `tz` is the deployment's zone."""

    tz: str
    lead_days: int = 1
    abroad_lead_workdays: int = 3
    flood: Window = FLOOD_SEASON
    heads_need_approval_in_flood: bool = True


@dataclass(frozen=True)
class Leave:
    """A leave report (请假报备); `returned_at` is set by 销假."""

    person: str
    start_day: date
    start_half: HalfDay
    end_day: date
    end_half: HalfDay
    destination: str = ""
    reason: str = ""
    contact: str = ""
    arrangements: str = ""  # work arrangements (工作安排)
    acting: str = ""  # acting person (主持工作)
    abroad: bool = False
    together_reason: str = ""  # why a must-not-be-away-together pair is away anyway
    urgent: bool = False  # 急事: same-day or after the fact, with `urgent_reason`; flagged for review
    urgent_reason: str = ""
    returned_at: datetime | None = None
    leave_id: str = ""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the field and a zh-CN reason."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class LeaveCheck:
    """Outcome of `validate_leave`: problems (empty = OK) and flags."""

    problems: list[Problem] = field(default_factory=list)
    needs_approval: bool = False
    needs_review: bool = False  # an urgent (急事) report that skipped the lead time

    @property
    def ok(self) -> bool:
        return not self.problems


REQUIRED_ZH = {
    "destination": "去向",
    "reason": "事由",
    "contact": "联系方式",
    "arrangements": "工作安排",
    "acting": "主持工作人员",
}
REQUIRED_EN = {"destination": "the destination", "reason": "the reason", "contact": "a contact",
               "arrangements": "the work arrangements", "acting": "who acts in charge"}


def leave_interval(leave: Leave, tz: str) -> tuple[datetime, datetime]:
    """UTC-aware [start, end) of the leave as filed (AM starts 00:00, PM 12:00 local)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(leave.start_day, time(12) if leave.start_half is HalfDay.pm else time(), zone)
    end_day = leave.end_day + timedelta(days=1) if leave.end_half is HalfDay.pm else leave.end_day
    end = datetime.combine(end_day, time() if leave.end_half is HalfDay.pm else time(12), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _overlaps(a: Leave, b: Leave, tz: str) -> bool:
    (s1, e1), (s2, e2) = leave_interval(a, tz), leave_interval(b, tz)
    e2 = min(e2, b.returned_at) if b.returned_at else e2
    return s1 < e2 and s2 < e1


# The way out of a lead-time refusal, in the words of the leave form's checkbox and field
# (web/console/rosters/words.py).
URGENT_HINT_ZH = "今天或已经出发的急事，请勾选“急事”并填写急事理由，报备后待审核"
URGENT_HINT_EN = "for an urgent matter starting today or already begun, tick Urgent and say why it could not be " \
                 "reported ahead; the report is then reviewed"


def validate_leave(
    leave: Leave,
    *,
    today: date,
    calendar: HolidayCalendar,
    policy: LeavePolicy,
    others: Sequence[Leave] = (),
    pairs: Collection[tuple[str, str]] = (),
    heads: Collection[str] = (),
    formal: bool = True,
) -> LeaveCheck:
    """Check a leave filed on `today`: a formal report when `formal`, else an absence record (不可值班)."""
    problems: list[Problem] = []
    for name, label in REQUIRED_ZH.items() if formal else ():
        if not str(getattr(leave, name)).strip():
            problems.append(Problem(name, "required", f"请填写{label} (please give {REQUIRED_EN[name]})"))
    if leave.acting.strip() and leave.acting == leave.person:
        problems.append(Problem("acting", "self_acting", "主持工作人员不能是请假人本人 (nobody acts in charge for themselves)"))
    if (leave.end_day, leave.end_half != HalfDay.am) < (leave.start_day, leave.start_half != HalfDay.am):
        problems.append(Problem("end_day", "end_before_start", "结束时间早于开始时间"))
    # An absence (sickness, a family matter) is often known only on the day: lead times bind formal reports.
    # 急事: a leading cadre called away at once reports the same day or after the fact, with a reason; the lead
    # time is waived and the report is flagged for review.
    urgent = formal and leave.urgent
    if urgent:
        if not leave.urgent_reason.strip():
            problems.append(Problem("urgent_reason", "required", "急事请假须说明未能提前报备的理由 (say why it could not be reported ahead)"))
    elif formal and leave.abroad:
        due = calendar.add_workdays(today, policy.abroad_lead_workdays)
        if leave.start_day < due:
            problems.append(Problem(
                "start_day", "lead_time_abroad",
                f"出国（境）须提前{policy.abroad_lead_workdays}个工作日报备，最早可于{due.isoformat()}出发；{URGENT_HINT_ZH} "
                f"(travel abroad must be reported {policy.abroad_lead_workdays} working days ahead, so the earliest "
                f"start is {due.isoformat()}; {URGENT_HINT_EN})",
            ))
    elif formal and not leave.abroad and (leave.start_day - today).days < policy.lead_days:
        earliest = today + timedelta(days=policy.lead_days)
        problems.append(Problem(
            "start_day", "lead_time",
            f"须至少提前{policy.lead_days}天报备，最早可于{earliest.isoformat()}出发；{URGENT_HINT_ZH} "
            f"(leave must be reported {policy.lead_days} day{'s' if policy.lead_days != 1 else ''} ahead, so the "
            f"earliest start is {earliest.isoformat()}; {URGENT_HINT_EN})",
        ))
    partners = {b for a, b in pairs if a == leave.person} | {a for a, b in pairs if b == leave.person}
    if not leave.together_reason.strip():
        for other in others:
            if other.person in partners and _overlaps(leave, other, policy.tz):
                problems.append(Problem(
                    "together_reason", "pair_away",
                    f"与{other.person}（{other.start_day.isoformat()}至{other.end_day.isoformat()}请假）"
                    "不得同时离岗，如确需同时离岗请说明理由",
                ))
    needs_approval = False
    if policy.heads_need_approval_in_flood and leave.person in heads:
        d = leave.start_day
        while d <= leave.end_day and not needs_approval:
            needs_approval = policy.flood.contains(d)
            d += timedelta(days=1)
    return LeaveCheck(problems, needs_approval, needs_review=urgent)
