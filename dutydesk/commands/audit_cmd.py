"""`dutydesk audit`: verify the hash chain of the audit log."""

from __future__ import annotations

import typer

from dutydesk.db import session_scope
from services import audit

app = typer.Typer(no_args_is_help=True, help="the audit log")


@app.command()
def verify() -> None:
    """Recompute the chain; name every entry that was edited or whose predecessor was removed."""
    with session_scope() as session:
        checked, problems = audit.verify(session=session)
    for p in problems:
        typer.echo(f"entry #{p.seq}: {p.reason}")
    typer.echo(f"{checked} entries checked, {len(problems)} problems")
    raise typer.Exit(1 if problems else 0)
