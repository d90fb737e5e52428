"""Deployments registered on a Prefect server carry the declared cron, zone and an importable entrypoint."""

from __future__ import annotations

import asyncio
import importlib

from core.settings import Settings
from flows.deploy import apply, build
from flows.schedules import schedules

SCHEDULES = schedules(Settings(environment="test", timezone="Asia/Shanghai"))


def test_build_covers_every_schedule_with_module_entrypoints():
    deployments = build(SCHEDULES)
    assert [d.name for d in deployments] == [s.name for s in SCHEDULES]
    for d, s in zip(deployments, SCHEDULES, strict=True):
        module, _, attr = d.entrypoint.rpartition(".")
        assert getattr(importlib.import_module(module), attr).name == d.flow_name, d.entrypoint
        (entry,) = d.schedules
        assert (entry.schedule.cron, entry.schedule.timezone) == (s.cron, "Asia/Shanghai")


def test_apply_registers_them_on_the_server(prefect_harness):
    from prefect.client.orchestration import get_client

    async def register_and_read():
        await apply("dutydesk-test", SCHEDULES)
        await apply("dutydesk-test", SCHEDULES)  # idempotent: a redeploy updates, never duplicates
        async with get_client() as client:
            return await client.read_deployments()

    found = {d.name: d for d in asyncio.run(register_and_read()) if d.work_pool_name == "dutydesk-test"}
    assert set(found) == {s.name for s in SCHEDULES}
    housekeeping = found["housekeeping"]
    assert housekeeping.entrypoint == "flows.housekeeping.housekeeping"
    assert [(x.schedule.cron, x.schedule.timezone) for x in housekeeping.schedules] == [("17 3 * * *", "Asia/Shanghai")]
