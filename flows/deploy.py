"""Prefect deployments built from `flows/schedules.py` (scaled-out mode, invariant 5).

`python -m flows.deploy --pool dutydesk` registers one deployment per declared schedule on the
Prefect server at PREFECT_API_URL; Prefect workers of that (process) pool run them from the
installed package. Embedded mode does not use this: its clock reads the same `schedules(settings)`.
"""

from __future__ import annotations

import argparse
import asyncio

from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from core.settings import get_settings
from flows.schedules import FlowSchedule, load_flow, schedules


def build(declared: tuple[FlowSchedule, ...]) -> list[RunnerDeployment]:
    """One deployment per schedule, cron in its own zone, entrypoint by module path."""
    return [
        load_flow(s.flow).to_deployment(
            name=s.name, description=s.description or None, schedule=Cron(s.cron, timezone=s.timezone),
            entrypoint_type=EntrypointType.MODULE_PATH,  # workers import the installed package, no source path
        )
        for s in declared
    ]


async def apply(pool: str, declared: tuple[FlowSchedule, ...]) -> list[str]:
    """Create the process work pool if missing and register every deployment; return their ids."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        try:
            await client.read_work_pool(pool)
        except ObjectNotFound:
            await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
    # to_deployment answers a coroutine inside an event loop; build in a thread to get the objects
    deployments = await asyncio.to_thread(build, declared)
    return [str(await d.aapply(work_pool_name=pool)) for d in deployments]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--pool", default="dutydesk", help="Prefect work pool (process type) the workers poll")
    args = parser.parse_args(argv)
    ids = asyncio.run(apply(args.pool, schedules(get_settings())))
    print(f"registered {len(ids)} deployments on work pool {args.pool!r}")


if __name__ == "__main__":
    main()
