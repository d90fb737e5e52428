"""`dutydesk demo`: seed the demo county."""

from __future__ import annotations

import typer

from core.db import session_scope
from core.settings import get_settings
from dutydesk import demo

app = typer.Typer(no_args_is_help=True, help="demo data")


@app.command()
def seed(if_empty: bool = typer.Option(False, "--if-empty", help="do nothing when units already exist")) -> None:
    """Create the demo county (a duty office, 10 towns, 10 departments, people, accounts)."""
    if get_settings().environment == "production":
        typer.echo("demo data is not seeded in production")
        return
    with session_scope() as session:
        if not demo.is_empty(session):
            if if_empty:
                typer.echo("database not empty: demo data left as it is")
                _print_logins(demo.has_demo_accounts(session))
                return
            typer.echo("database not empty; refusing to seed twice", err=True)
            raise typer.Exit(1)
        counts = demo.seed(session, get_settings())
    typer.echo(f"demo county seeded: {counts}")
    _print_logins(True)


def _print_logins(show: bool) -> None:
    if show:
        typer.echo("demo logins (username / password / role):")
        for username, password, role in demo.demo_logins():
            typer.echo(f"  {username:<10} {password:<18} {role}")
        typer.echo("the leaders and unit heads the demo notifies have accounts too (county-head, town01-head, …; "
                   "`dutydesk users list`), with no known password: give one with `dutydesk users password NAME`")
