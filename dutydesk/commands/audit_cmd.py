"""`dutydesk audit`: seal and verify the hash chain of the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from core.db import session_scope
from services import audit

app = typer.Typer(no_args_is_help=True, help="the audit log")


@app.command()
def verify() -> None:
    """Seal pending entries, recompute the chain; name every entry edited, removed or unsealed."""
    with session_scope() as session:
        row = audit.check(session=session, by="cli", now=datetime.now(UTC))
    for p in row.problems:
        typer.echo(f"entry #{p['seq']}: {p['reason']}")
    typer.echo(f"{row.checked} entries checked, {len(row.problems)} problems, {row.pending} pending")
    raise typer.Exit(1 if row.problems else 0)


@app.command()
def seal() -> None:
    """Chain every committed entry not yet sealed (the engine does this every second)."""
    with session_scope() as session:
        n = audit.seal(session=session)
    typer.echo(f"{n} entries sealed")
