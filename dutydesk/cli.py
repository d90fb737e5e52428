"""The `dutydesk` command: serve, database, directory, accounts, demo data.

Sub-command groups live in `dutydesk/commands/`; this file only wires them.
"""

from __future__ import annotations

import logging

import typer

from core.settings import get_settings

from dutydesk.commands import (
    audit_cmd,
    db_cmd,
    demo_cmd,
    directory_cmd,
    directory_io_cmd,  # noqa: F401 - adds import/export to `units` and `people`
    flows_cmd,
    incident_cmd,
    notify_cmd,
    policy_cmd,
    posts_cmd,  # noqa: F401 - adds posts/post/pool to `roster`
    roster_cmd,
    serve_cmd,
    spotcheck_cmd,
    users_cmd,
)
from services import accounts

app = typer.Typer(no_args_is_help=True, help="dutydesk: duty and emergency-reporting workflow (值班值守)")
app.add_typer(db_cmd.app, name="db")
app.add_typer(demo_cmd.app, name="demo")
app.add_typer(directory_cmd.units, name="units")
app.add_typer(directory_cmd.people, name="people")
app.add_typer(users_cmd.app, name="users")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(spotcheck_cmd.app, name="spotcheck")
app.add_typer(spotcheck_cmd.report_app, name="report")
app.add_typer(flows_cmd.app, name="flows")
app.add_typer(incident_cmd.app, name="incident")
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(roster_cmd.app, name="roster")
app.add_typer(roster_cmd.holidays_app, name="holidays")
app.add_typer(notify_cmd.notify, name="notify")
app.add_typer(notify_cmd.notifiers, name="notifiers")
app.add_typer(notify_cmd.channels, name="channels")
app.command("serve")(serve_cmd.serve)


@app.callback()
def _settings() -> None:
    """Before any command: new passwords and tokens are hashed at the configured cost (settings.passwords)."""
    accounts.use_password_cost(**get_settings().passwords.model_dump())
app.command("deploy")(flows_cmd.deploy)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app()


if __name__ == "__main__":
    main()
