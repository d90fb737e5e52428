"""`dutydesk serve`."""

from __future__ import annotations

import typer

from core import db, logs
from core.settings import get_settings
from models import schema


def serve(
    host: str = typer.Option(None, help="bind address (default DUTYDESK_WEB__HOST)"),
    port: int = typer.Option(None, help="bind port (default DUTYDESK_WEB__PORT)"),
    role: str = typer.Option(None, help="all | web (console/API, no clock) | engine (clock, engine parts, "
                             "embedded flows; ops endpoints only) (default DUTYDESK_ROLE)"),
) -> None:
    """Serve the console and API, run the engine's clock and the scheduled flows (by role)."""
    # Lazy: the server, the whole app and uvicorn load for `serve` only, not for every other CLI command.
    import uvicorn

    from dutydesk.server import build_app, wait_for_database

    settings = get_settings()
    if role:
        if role not in ("all", "web", "engine"):
            raise typer.BadParameter(f"role must be all, web or engine, not {role!r}", param_hint="--role")
        settings.role = role
    logs.configure(settings.log_format, instance=settings.instance_label)
    if host:
        settings.web.host = host
    if port:
        settings.web.port = port
    engine = db.get_engine()
    try:
        wait_for_database(engine)
    except schema.NotMigrated as exc:
        typer.echo(f"refusing to start: {exc}", err=True)
        raise typer.Exit(2) from exc
    app = build_app(settings, engine)
    what = "engine (ops endpoints)" if settings.role == "engine" else "console"
    typer.echo(f"dutydesk {what}: http://{settings.web.host}:{settings.web.port}/  role {settings.role}", err=True)
    uvicorn.run(app, host=settings.web.host, port=settings.web.port, log_level="info", timeout_graceful_shutdown=10,
                proxy_headers=False,  # the app believes X-Forwarded-For only from DUTYDESK_WEB__TRUSTED_PROXIES
                log_config=None)  # logs.configure owns the handlers (text or JSON)
