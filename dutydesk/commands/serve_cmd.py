"""`dutydesk serve`."""

from __future__ import annotations

import typer

from dutydesk import db
from dutydesk.config import get_settings


def serve(
    host: str = typer.Option(None, help="bind address (default DUTYDESK_WEB__HOST)"),
    port: int = typer.Option(None, help="bind port (default DUTYDESK_WEB__PORT)"),
) -> None:
    """Serve the console and API, run the engine's clock and the scheduled flows."""
    import uvicorn

    from dutydesk.server import build_lifespan, wait_for_database
    from web.app import create_app

    settings = get_settings()
    if host:
        settings.web.host = host
    if port:
        settings.web.port = port
    engine = db.get_engine()
    try:
        wait_for_database(engine)
    except db.NotMigrated as exc:
        typer.echo(f"refusing to start: {exc}", err=True)
        raise typer.Exit(2) from exc
    app = create_app(settings=settings, engine=engine, lifespan=build_lifespan(settings))
    typer.echo(f"dutydesk console: http://{settings.web.host}:{settings.web.port}/  (API docs at /docs)")
    uvicorn.run(app, host=settings.web.host, port=settings.web.port, log_level="info", timeout_graceful_shutdown=10)
