"""The engine's in-process clock (APScheduler 3.x).

Jobs here are only wake-ups (invariant 1): the rows in the database are the
truth, so the job store is in memory and rebuilt at every start. In embedded
mode the clock also triggers the scheduled flows (flows/schedules.py), handed to it by the composition root.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger("dutydesk.engine")


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger for a five-field cron in its time zone."""
    return CronTrigger.from_crontab(cron, timezone=timezone)


class Clock:
    """Owns the scheduler; engine parts register their periodic wake-ups here."""

    def __init__(self, timezone: str, *, workers: int = 4) -> None:
        self.timezone = timezone
        self.scheduler = BackgroundScheduler(
            timezone=timezone,
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def add_flows(self, runner: Callable[[str], object], schedules: Iterable) -> None:
        """Trigger each declared flow (flows.schedules.FlowSchedule) at its cron time through `runner(target)`."""
        for s in schedules:
            self.scheduler.add_job(runner, cron_trigger(s.cron, s.timezone), args=[s.flow], id=f"flow:{s.name}",
                                   name=s.description or s.name, replace_existing=True)
            log.info("flow %s scheduled: %s (%s)", s.name, s.cron, s.timezone)

    def every(self, seconds: float, fn: Callable[[], object], job_id: str) -> None:
        """A periodic wake-up (sweeps, dispatch polling)."""
        self.scheduler.add_job(fn, "interval", seconds=seconds, id=job_id, replace_existing=True)

    def start(self) -> None:
        self.scheduler.start()
        log.info("clock started with %d jobs", len(self.scheduler.get_jobs()))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
            log.info("clock stopped")
