"""Upward report deadlines (报送时限), lateness (迟报) and the follow-up (续报) schedule."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from rules.incidents.types import (
    CASUALTY_LABELS,
    Casualties,
    Category,
    Grade,
    ReportChannel,
    ReportKind,
)

Minutes = Mapping[ReportChannel, int]


def _default_minutes() -> dict[Grade, Minutes]:
    phone_and_written = {ReportChannel.phone: 30, ReportChannel.written: 60}
    return {
        Grade.I: phone_and_written,
        Grade.II: phone_and_written,
        Grade.III: {ReportChannel.written: 60},
        Grade.IV: {ReportChannel.written: 120},
    }


@dataclass(frozen=True)
class DeadlinePolicy:
    """Minutes from 接报 to each upward report, per grade (DOMAIN.md defaults)."""

    minutes: Mapping[Grade, Minutes] = field(default_factory=_default_minutes)
    strict_grade: Grade = Grade.III  # sensitive / public-opinion events get at least this grade's deadlines
    strict_categories: frozenset[Category] = frozenset({Category.public_opinion})
    ungraded_as: Grade = Grade.III  # not yet graded (e.g. awaiting hand grading): err on the strict side


@dataclass(frozen=True)
class Deadline:
    kind: ReportChannel
    due: datetime
    minutes: int  # from 接报


def report_deadlines(
    grade: Grade | None,
    sensitive: bool,
    category: Category,
    received_at: datetime,
    policy: DeadlinePolicy | None = None,
) -> list[Deadline]:
    """The upward report deadlines counted from 接报, earliest first."""
    p = policy or DeadlinePolicy()
    own = dict(p.minutes[grade if grade is not None else p.ungraded_as])
    if sensitive or category in p.strict_categories:
        for kind, mins in p.minutes[p.strict_grade].items():
            own[kind] = min(own.get(kind, mins), mins)  # never looser than the grade's own
    out = [Deadline(kind, received_at + timedelta(minutes=m), m) for kind, m in own.items()]
    return sorted(out, key=lambda d: (d.due, d.kind))


@dataclass(frozen=True)
class Lateness:
    late: bool
    minutes_late: int  # whole minutes, rounded up; 0 when on time

    @property
    def label(self) -> str:
        return f"迟报{self.minutes_late}分钟" if self.late else "按时报送"


def lateness(due: datetime, reported_at: datetime) -> Lateness:
    """How late a report is against its deadline (迟报 when after `due`)."""
    over = (reported_at - due).total_seconds()
    if over <= 0:
        return Lateness(False, 0)
    return Lateness(True, math.ceil(over / 60))


FOLLOWUP_DEADLINES = ("followup", "casualty_change")  # 续报 deadlines: daily slots and a casualty change


def meets(report_kind: str, channel: str, deadline_kind: str) -> bool:
    """Whether a report (kind 首报/续报/终报, by phone or in writing) meets a deadline of `deadline_kind`.

    Phone and written are separate obligations. The phone deadline is the 首报's: a 首报 meets it, by phone or in
    writing (the city has the first report in writing); a 续报 or 终报 never does (after a regrade to I/II the
    city must be phoned). The written deadline is met by a written 首报 or 续报. 续报 deadlines by a 续报 or the
    终报, whatever the medium. 待核实 reminders are met by a verified figure, not by a kind of report."""
    kind, medium = ReportKind(report_kind), ReportChannel(channel)
    if deadline_kind == ReportChannel.phone:
        return kind is ReportKind.first
    if deadline_kind == ReportChannel.written:
        return kind is not ReportKind.final and medium is ReportChannel.written
    if deadline_kind in FOLLOWUP_DEADLINES:
        return kind is not ReportKind.first
    return False


def alarm_due(
    due: datetime,
    now: datetime,
    pre_minutes: float,
    *,
    opened_at: datetime | None = None,
    warned_at: datetime | None = None,
    alarmed_at: datetime | None = None,
) -> str | None:
    """Which alarm an open deadline needs at `now`: "at" once `due` has passed, "before" within `pre_minutes` of
    it, None otherwise. An alarm sent before the deadline was (re)opened at `opened_at` (a report that met it
    whose upward send failed) does not count: a reopened deadline alarms again, once."""
    def sent(at: datetime | None) -> bool:
        return at is not None and (opened_at is None or at >= opened_at)

    if now >= due:
        return None if sent(alarmed_at) else "at"
    if pre_minutes > 0 and now >= due - timedelta(minutes=pre_minutes) and not sent(warned_at):
        return "before"
    return None


_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def _below_10000(n: int) -> str:
    out, zero = "", False
    for value, unit in _SMALL_UNITS:
        d, n = divmod(n, value)
        if d:
            out += ("零" if zero and out else "") + _DIGITS[d] + unit
            zero = False
        elif out:
            zero = True
    if n:
        out += ("零" if zero and out else "") + _DIGITS[n]
    return out


def chinese_numeral(n: int) -> str:
    """Write a positive integer in Chinese numerals (1 一, 10 十, 11 十一, 105 一百零五, 10001 一万零一)."""
    if n <= 0:
        raise ValueError("numbering starts at 1")
    groups, big = [], ("", "万", "亿", "万亿")
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    out = ""
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g:
            if out and g < 1000 and not out.endswith("零"):
                out += "零"
            out += _below_10000(g) + big[i]
        elif out and not out.endswith("零") and any(groups[:i]):
            out += "零"
    # 一十 → 十 at the start, as written in report titles (续报十, 续报十一)
    return out[1:] if out.startswith("一十") else out


def followup_title(n: int) -> str:
    """The title of the n-th follow-up report: 续报一, 续报二 … 续报十一 …"""
    return "续报" + chinese_numeral(n)


@dataclass(frozen=True)
class FollowupPolicy:
    """When follow-ups (续报) are due."""

    min_grade: Grade = Grade.III  # grade III+ get daily follow-ups
    daily_times: tuple[time, ...] = (time(8, 0), time(17, 0))  # local
    unverified_reminder_minutes: int = 60  # after the report carrying a 待核实 figure
    window_minutes: int = 180  # a daily slot is answered by a 续报 at most this long before it (never the evening before)


def next_followups(
    grade: Grade | None,
    now: datetime,
    tz: tzinfo,
    policy: FollowupPolicy | None = None,
    *,
    final_reported_at: datetime | None = None,
    limit: int = 2,
) -> list[datetime]:
    """The next `limit` daily follow-up times after `now` (local, aware); none after the 终报."""
    p = policy or FollowupPolicy()
    if grade is None or not grade.at_least(p.min_grade) or final_reported_at is not None:
        return []
    local = now.astimezone(tz)
    out: list[datetime] = []
    day = local.date()
    while len(out) < limit:
        for t in sorted(p.daily_times):
            slot = datetime.combine(day, t, tzinfo=tz)
            if slot > local and len(out) < limit:
                out.append(slot)
        day += timedelta(days=1)
    return out


def previous_followup(slot: datetime, tz: tzinfo, policy: FollowupPolicy | None = None) -> datetime:
    """The daily follow-up time just before `slot` (local, aware): 17:00 the day before for an 08:00 slot."""
    p = policy or FollowupPolicy()
    local = slot.astimezone(tz)
    for back in range(0, 3):
        day = local.date() - timedelta(days=back)
        earlier = [datetime.combine(day, t, tzinfo=tz) for t in sorted(p.daily_times, reverse=True)]
        before = [s for s in earlier if s < local]
        if before:
            return before[0]
    return local - timedelta(days=1)


def meets_followup_slot(slot: datetime, reported_at: datetime, tz: tzinfo, policy: FollowupPolicy | None = None) -> bool:
    """Whether a 续报 made at `reported_at` answers the daily follow-up due at `slot`: made within the slot's own
    window — after the previous daily slot and at most `window_minutes` before this one — or after it (late).
    A 续报 at 22:13 is the evening's, not the next morning's 08:00 report."""
    p = policy or FollowupPolicy()
    if reported_at >= slot:
        return True
    opens = max(previous_followup(slot, tz, p), slot - timedelta(minutes=p.window_minutes))
    return reported_at > opens


@dataclass(frozen=True)
class FollowupDue:
    """A follow-up the office must send or chase, and why."""

    code: str  # "casualty_change" | "unverified"
    due: datetime
    text: str  # zh-CN
    element: str = ""


def casualty_change_followup(before: Casualties | None, after: Casualties, now: datetime) -> FollowupDue | None:
    """A change in casualties needs a follow-up at once."""
    if before is None or before == after:
        return None
    changed = [
        f"{CASUALTY_LABELS[k]}{getattr(before, k)}→{getattr(after, k)}"
        for k in CASUALTY_LABELS
        if getattr(before, k) != getattr(after, k)
    ]
    return FollowupDue("casualty_change", now, "伤亡情况变化（" + "，".join(changed) + "），须立即续报")


def unverified_reminders(
    casualties: Casualties | None, reported_at: datetime, policy: FollowupPolicy | None = None
) -> list[FollowupDue]:
    """One reminder per 待核实 figure, a configured delay after the report."""
    p = policy or FollowupPolicy()
    if casualties is None:
        return []
    due = reported_at + timedelta(minutes=p.unverified_reminder_minutes)
    return [
        FollowupDue("unverified", due, f"{CASUALTY_LABELS[name]}人数待核实，请核实后续报", name)
        for name in casualties.unverified()
    ]
