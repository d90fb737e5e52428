"""The report-deadline and follow-up policies in force: the rules' defaults, changed where the settings say.

The numbers' one home is rules/incidents/deadlines.py; `settings.incidents.deadlines` only names the ones a
province sets otherwise (an empty field keeps the rule's default). Every service that opens, moves or checks a
report deadline or a daily 续报 asks here, so the board's 迟报 flags and the deadline rows cannot disagree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from core.settings import Settings
from rules.incidents import DeadlinePolicy, FollowupPolicy, Grade, ReportChannel


class ReportPolicies(NamedTuple):
    deadline: DeadlinePolicy
    followup: FollowupPolicy


def report_policies(settings: Settings) -> ReportPolicies:
    """The rules' DeadlinePolicy and FollowupPolicy with the configured fields in place of their defaults.

    Built once per distinct set of configured values (a board asks for every row): the key is the values
    themselves, so a setting changed at run time (a test, a reload) is seen at the next call."""
    return _built(tuple(sorted(settings.incidents.deadlines.model_dump().items())))


@lru_cache(maxsize=16)
def _built(items: tuple) -> ReportPolicies:
    s = SimpleNamespace(**dict(items))
    deadline, followup = DeadlinePolicy(), FollowupPolicy()
    minutes = {grade: dict(by_channel) for grade, by_channel in deadline.minutes.items()}
    for grade in Grade:
        for channel in ReportChannel:
            value = getattr(s, f"grade_{grade.name.lower()}_{channel.value}_minutes")
            if value is not None:
                minutes.setdefault(grade, {})[channel] = value
    deadline = replace(deadline, minutes=minutes,
                       strict_grade=_grade(s.strict_grade, deadline.strict_grade),
                       ungraded_as=_grade(s.ungraded_as, deadline.ungraded_as))
    followup = replace(followup, min_grade=_grade(s.followup_min_grade, followup.min_grade))
    if s.followup_times is not None:
        followup = replace(followup, daily_times=tuple(time.fromisoformat(t) for t in s.followup_times.split(",")))
    if s.unverified_reminder_minutes is not None:
        followup = replace(followup, unverified_reminder_minutes=s.unverified_reminder_minutes)
    if s.followup_window_minutes is not None:
        followup = replace(followup, window_minutes=s.followup_window_minutes)
    return ReportPolicies(deadline, followup)


def _grade(value: int | None, default: Grade) -> Grade:
    return default if value is None else Grade(value)
