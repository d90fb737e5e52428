"""`dutydesk db`: migrations."""

from __future__ import annotations

import typer

from core import db
from models import schema

app = typer.Typer(no_args_is_help=True, help="database migrations")


@app.command()
def upgrade() -> None:
    """Apply every pending migration."""
    engine = db.get_engine()
    schema.upgrade(engine)
    typer.echo(f"database at {sorted(schema.current_revisions(engine))} ({engine.url.render_as_string(hide_password=True)})")


@app.command()
def current() -> None:
    """Show the database's and the code's revision."""
    engine = db.get_engine()
    typer.echo(f"database: {sorted(schema.current_revisions(engine)) or 'none'}  code: {sorted(schema.head_revisions())}")


@app.command()
def revision(message: str = typer.Option(..., "-m", help="what changed"),
             rev_id: str = typer.Option(None, help="revision id, e.g. 0002_rosters"),
             head: str = typer.Option("head", help="revision to build on (a feature branch builds on 0001)")) -> None:
    """Generate a migration from the models (development)."""
    from alembic import command

    engine = db.get_engine()
    with engine.begin() as conn:
        cfg = schema.alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id, head=head)
