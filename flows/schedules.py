"""Every scheduled job, declared once, with its time zone (invariant 5).

The embedded clock (`engine/clock.py`) and the Prefect deployments
(`dutydesk deploy`) are both built from `SCHEDULES`; nothing else declares a
schedule. A flow is named by "module:attribute" so this file imports no flow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class FlowSchedule:
    name: str  # deployment name and job id
    flow: str  # "module:attribute" of an async Prefect flow taking no required arguments
    cron: str  # five-field cron, local time
    timezone: str | None = None  # None: the configured DUTYDESK_TIMEZONE
    description: str = ""


SCHEDULES: tuple[FlowSchedule, ...] = (
    FlowSchedule("housekeeping", "flows.housekeeping:housekeeping", "17 3 * * *",
                 description="purge expired sessions and login throttles; seal and verify the audit chain"),
    FlowSchedule("spotcheck-round", "flows.spotchecks:spotcheck_round", "* * * * *",
                 description="automated spot-check calls that fell due; retries 5 min apart; results"),
    FlowSchedule("spotcheck-circular", "flows.spotchecks:monthly_circular", "30 8 1 * *",
                 description="last month's spot-check circular (.docx) and explanation requests"),
    FlowSchedule("roster-extend", "flows.rosters:roster_extend", "30 1 * * *",
                 description="keep rosters generated 6 weeks ahead; re-check roster gaps"),
    FlowSchedule("roster-reminders", "flows.rosters:roster_reminders", "0 16-21 * * *",
                 description="tomorrow's duty reminders from 16:00 (later runs catch up, never resend); duty notices"),
    FlowSchedule("incident-escalation-sweep", "flows.incidents:escalation_sweep", "*/2 * * * *",
                 description="backup for the engine: escalation steps that fell due (fenced, never twice)"),
    FlowSchedule("incident-deadline-sweep", "flows.incidents:deadline_sweep", "*/2 * * * *",
                 description="backup for the engine: report-deadline alarms and instruction reminders"),
    FlowSchedule("duty-brief", "flows.incidents:duty_brief", "30 7 * * *",
                 description="daily duty brief (值班日报) to the county leaders at 07:30"),
)


def load_flow(target: str):
    """The flow object behind a "module:attribute" reference."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def by_name(name: str) -> FlowSchedule:
    for s in SCHEDULES:
        if s.name == name:
            return s
    raise KeyError(f"no schedule named {name!r}")
