"""Every declared schedule loads, is an async flow with a valid cron, and fires at the same
moment in the embedded clock and in a Prefect deployment built from the same declaration."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prefect import Flow
from prefect.server.schemas.schedules import CronSchedule as ServerCron

from core.settings import Settings
from engine.clock import Clock
from flows.deploy import build
from flows.schedules import FlowSchedule, load_flow, schedules

TZ = "Asia/Shanghai"
SCHEDULES = schedules(Settings(environment="test", timezone=TZ))
# An instant off any minute boundary, just before a local midnight, in a leap year.
NOW = datetime(2028, 2, 28, 15, 59, 7, 500000, tzinfo=UTC)


def test_schedule_names_are_unique():
    names = [s.name for s in SCHEDULES]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
def test_schedule_loads_an_async_flow(schedule):
    flow = load_flow(schedule.flow)
    assert isinstance(flow, Flow), f"{schedule.flow} is not a Prefect @flow"
    assert inspect.iscoroutinefunction(flow.fn), f"{schedule.flow} must be async (ARCHITECTURE.md: sync runs cost ~1 s)"
    required = [p for p in inspect.signature(flow.fn).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not required, f"a scheduled flow cannot take required arguments: {[p.name for p in required]}"


def _clock_fires(schedule, n: int) -> list[datetime]:
    clock = Clock(TZ)
    clock.add_flows(lambda target: None, schedules=(schedule,))
    (job,) = clock.scheduler.get_jobs()
    fires, previous, now = [], None, NOW
    for _ in range(n):
        previous = job.trigger.get_next_fire_time(previous, now)
        fires.append(previous.astimezone(UTC))
        now = previous + timedelta(microseconds=1)
    return fires


def _prefect_fires(schedule, n: int) -> list[datetime]:
    (deployment,) = build((schedule,))  # what `python -m flows.deploy` registers
    (entry,) = deployment.schedules
    cron = entry.schedule
    assert cron.cron == schedule.cron and cron.timezone == schedule.timezone
    # The dates the Prefect server's scheduler will create runs for.
    server = ServerCron(cron=cron.cron, timezone=cron.timezone, day_or=cron.day_or)
    return [d.astimezone(UTC) for d in sorted(server._get_dates_generator(n=n, start=NOW))]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
def test_embedded_clock_and_prefect_deployment_agree(schedule):
    clock, prefect = _clock_fires(schedule, 5), _prefect_fires(schedule, 5)
    assert clock == prefect, f"{schedule.name}: clock {clock} vs Prefect {prefect}"
    assert clock[0] > NOW and clock == sorted(set(clock))


def test_fire_times_are_local_time():
    # 17 3 * * * in Asia/Shanghai is 19:17 UTC the day before: a UTC reading would be 8 hours off.
    probe = FlowSchedule("probe", "flows.housekeeping:housekeeping", "17 3 * * *", TZ)
    assert _clock_fires(probe, 1) == _prefect_fires(probe, 1) == [datetime(2028, 2, 28, 19, 17, tzinfo=UTC)]


@pytest.mark.parametrize("reminder_at, first_local_hour, minute", [("16:00", 16, 0), ("09:00", 9, 0), ("21:30", 21, 30),
                                                                   ("23:45", 23, 45)])
def test_the_reminder_run_follows_the_reminder_setting(reminder_at, first_local_hour, minute):
    # Setting the reminder time to 09:00 must send at 09:00, not wait for a cron written for 16:00.
    declared = schedules(Settings(environment="test", timezone=TZ, rosters={"reminder_at": reminder_at}))
    (reminders,) = [s for s in declared if s.name == "roster-reminders"]
    first = _clock_fires(reminders, 1)[0].astimezone(ZoneInfo(TZ))
    assert (first.hour, first.minute) == (first_local_hour, minute)
    assert _clock_fires(reminders, 3) == _prefect_fires(reminders, 3)
