"""`dutydesk audit`: seal, verify and re-key the audit log's chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from services.audit import chain
from services.audit.checks import Keeper, check

app = typer.Typer(no_args_is_help=True, help="the audit log")


@app.command()
def verify() -> None:
    """Seal pending entries, recompute the chain with the key and compare it with the anchors; name every entry
    edited, deleted or unsealed, and a cut tail. Exit code 1 when anything is wrong."""
    keeper = Keeper.of(get_settings())
    with session_scope() as session:
        row = check(session=session, keeper=keeper, by="cli", now=datetime.now(UTC))
    for p in row.problems:
        typer.echo(p["reason"])
    typer.echo(f"{row.checked} entries checked, {len(row.problems)} problems, {row.pending} pending "
               f"(key {keeper.key.id}, {len(keeper.anchors.read())} anchors in {keeper.anchors.path})")
    raise typer.Exit(1 if row.problems else 0)


@app.command()
def seal() -> None:
    """Chain every committed entry not yet sealed (the engine does this every second)."""
    keeper = Keeper.of(get_settings())
    with session_scope() as session:
        n = keeper.seal(session=session, now=datetime.now(UTC))
    typer.echo(f"{n} entries sealed")


@app.command()
def rekey(old_key_file: Path = typer.Option(..., exists=True, dir_okay=False,
                                            help="file holding the key the chain is sealed with now")) -> None:
    """Rotate the chain's key: verify the whole chain under the old key, then re-seal it under the configured
    one (DUTYDESK_AUDIT__KEY or the key file) and anchor the new head. Refused when the chain does not verify."""
    keeper = Keeper.of(get_settings())
    old = chain.ChainKey(old_key_file.read_text(encoding="utf-8").strip().encode())
    try:
        with session_scope() as session:
            n = chain.rekey(session=session, old=old, new=keeper.key, anchors=keeper.anchors, now=datetime.now(UTC))
    except ServiceError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{n} entries re-sealed under key {keeper.key.id} (was {old.id})")
