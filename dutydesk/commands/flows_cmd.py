"""`dutydesk flows`: list the declared schedules, run one now."""

from __future__ import annotations

import typer

from core.settings import get_settings
from flows.schedules import by_name, schedules

app = typer.Typer(no_args_is_help=True, help="scheduled flows (Prefect)")


@app.command("list")
def list_flows() -> None:
    """Every declared schedule with its cron and time zone."""
    for s in schedules(get_settings()):
        typer.echo(f"{s.name:<28} {s.cron:<16} {s.timezone:<15} {s.description}")


@app.command()
def run(name: str) -> None:
    """Run a flow now, against the embedded Prefect server (started or reused)."""
    from flows.runtime import (  # lazy: Prefect's server helpers, for this command only
        PrefectServer,
        run_flow,
    )

    settings = get_settings()
    try:
        schedule = by_name(settings, name)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}; see `dutydesk flows list`", err=True)
        raise typer.Exit(1) from exc
    server = PrefectServer(settings.data_dir, settings.flows.prefect_port)
    if settings.flows.mode == "embedded" and not server.start():
        typer.echo("error: the Prefect server did not start; see var/prefect/server.log", err=True)
        raise typer.Exit(1)
    try:
        typer.echo(f"{name}: {run_flow(schedule.flow)}")
    finally:
        server.stop()


def deploy(pool: str = typer.Option("dutydesk", help="Prefect work pool (process type) the workers poll")) -> None:
    """Register one Prefect deployment per declared schedule (scaled-out mode, PREFECT_API_URL)."""
    import asyncio

    # lazy: imports Prefect (~1.5 s), for this command only
    from flows.deploy import apply

    ids = asyncio.run(apply(pool, schedules(get_settings())))
    typer.echo(f"registered {len(ids)} deployments on work pool {pool!r}")
