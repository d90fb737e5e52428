"""Every scheduled job, declared once, with its time zone (invariant 5).

The embedded clock (`engine/clock.py`) and the Prefect deployments (`dutydesk deploy`) are both built
from `schedules(settings)`; nothing else declares a schedule. A job's time comes from the setting it
depends on (the duty reminders from `rosters.reminder_at`). A flow is named by "module:attribute"
(resolved with `pkgutil.resolve_name`), so this file imports no flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pkgutil import resolve_name

from core.settings import Settings

REMINDER_CATCH_UP_HOURS = 5  # hourly re-runs after the reminder time catch what a failed run missed


@dataclass(frozen=True)
class FlowSchedule:
    name: str  # deployment name and job id
    flow: str  # "module:attribute" of an async Prefect flow taking no required arguments
    cron: str  # five-field cron, local time
    timezone: str  # IANA zone of the cron
    description: str = ""


def reminder_cron(reminder_at: str) -> str:
    """Hourly from `reminder_at` (HH:MM) until the catch-up hours end, never past 23:59."""
    hour, minute = (int(x) for x in reminder_at.split(":"))
    last = min(hour + REMINDER_CATCH_UP_HOURS, 23)
    return f"{minute} {hour}-{last} * * *" if last > hour else f"{minute} {hour} * * *"


def schedules(settings: Settings) -> tuple[FlowSchedule, ...]:
    """The deployment's schedules, in its time zone, built from the settings they depend on."""
    tz, rosters = settings.timezone, settings.rosters
    return (
        FlowSchedule("housekeeping", "flows.housekeeping:housekeeping", "17 3 * * *", tz,
                     "purge expired sessions and login throttles; seal and verify the audit chain"),
        FlowSchedule("spotcheck-round", "flows.spotchecks:spotcheck_round", "* * * * *", tz,
                     "automated spot-check calls that fell due; retries; results"),
        FlowSchedule("spotcheck-circular", "flows.spotchecks:monthly_circular", "30 8 1 * *", tz,
                     "last month's spot-check circular (.docx) and explanation requests"),
        FlowSchedule("roster-extend", "flows.rosters:roster_extend", "30 1 * * *", tz,
                     f"keep rosters generated {rosters.weeks_ahead} weeks ahead; re-check roster gaps"),
        FlowSchedule("roster-reminders", "flows.rosters:roster_reminders", reminder_cron(rosters.reminder_at), tz,
                     f"tomorrow's duty reminders from {rosters.reminder_at} (later runs catch up, never resend); "
                     "duty notices"),
        FlowSchedule("incident-escalation-sweep", "flows.incidents:escalation_sweep", "*/2 * * * *", tz,
                     "backup for the engine: escalation steps that fell due (fenced, never twice)"),
        FlowSchedule("incident-deadline-sweep", "flows.incidents:deadline_sweep", "*/2 * * * *", tz,
                     "backup for the engine: report-deadline alarms and instruction reminders"),
        FlowSchedule("duty-brief", "flows.incidents:duty_brief", "30 7 * * *", tz,
                     "daily duty brief (值班日报) to the county leaders at 07:30"),
    )


def load_flow(target: str):
    """The flow object behind a "module:attribute" reference."""
    return resolve_name(target)


def by_name(settings: Settings, name: str) -> FlowSchedule:
    for s in schedules(settings):
        if s.name == name:
            return s
    raise KeyError(f"no schedule named {name!r}")
