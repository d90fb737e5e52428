"""`dutydesk units|people import FILE [--dry-run]` and `... export FILE`: the directory as .xlsx/.csv."""

from __future__ import annotations

from pathlib import Path

import typer

from core.db import session_scope
from core.errors import ServiceError
from dutydesk.commands.directory_cmd import people, units
from services.access import Actor
from services.directory import export, people_import, units_import

ACTOR = "cli"
DONE = {"create": "created", "update": "updated", "unchanged": "unchanged"}
IMPORTERS = {"units": units_import.import_units, "people": people_import.import_people}
EXPORTERS = {"units": export.export_units, "people": export.export_people}


def _import(kind: str, file: Path, dry_run: bool) -> None:
    if not file.is_file():
        typer.echo(f"error: no such file {file}", err=True)
        raise typer.Exit(2)
    try:
        with session_scope() as session:
            report = IMPORTERS[kind](session=session, data=file.read_bytes(), filename=file.name, actor=ACTOR,
                                     dry_run=dry_run)  # a bad file or a dry run leaves nothing to commit
    except ServiceError as exc:
        typer.echo(f"error: {file.name}: {exc.reason}", err=True)
        raise typer.Exit(1) from exc
    if not report.ok:
        typer.echo(f"{file.name}: {len(report.errors)} problem(s), nothing imported", err=True)
        for e in report.errors:
            where = f"row {e.row}" if e.row else "file"
            value = f" [{e.value}]" if e.value else ""
            typer.echo(f"  {where}, {e.column or e.field}{value}: {e.reason}", err=True)
        raise typer.Exit(1)
    verb = "checked (dry run, nothing written)" if dry_run else "imported"
    typer.echo(f"{kind} {verb}: {report.rows} rows, {report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged")
    for r in report.results:
        if r.note:
            typer.echo(f"  row {r.row}, {r.name} ({r.unit}): {DONE[r.action]}, {r.note}")


def _export(kind: str, file: Path, lang: str) -> None:
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in export.MEDIA_TYPES:
        typer.echo(f"error: {file.name}: use a .xlsx or .csv file name", err=True)
        raise typer.Exit(2)
    try:
        with session_scope() as session:
            content = EXPORTERS[kind](session=session, by=Actor.system("cli"), fmt=fmt, lang=lang)
    except ServiceError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    file.write_bytes(content)
    typer.echo(f"exported {kind} to {file}")


DRY_RUN = typer.Option(False, "--dry-run", help="check the whole file, write nothing")
LANG = typer.Option("zh", "--lang", help="header language: zh or en")


@units.command("import")
def import_units(file: Path, dry_run: bool = DRY_RUN) -> None:
    """Import units from .xlsx/.csv (a bad row anywhere imports nothing)."""
    _import("units", file, dry_run)


@units.command("export")
def export_units(file: Path, lang: str = LANG) -> None:
    """Export units to FILE (.xlsx or .csv, by its extension)."""
    _export("units", file, lang)


@people.command("import")
def import_people(file: Path, dry_run: bool = DRY_RUN) -> None:
    """Import people from .xlsx/.csv (a bad row anywhere imports nothing)."""
    _import("people", file, dry_run)


@people.command("export")
def export_people(file: Path, lang: str = LANG) -> None:
    """Export people to FILE (.xlsx or .csv, by its extension)."""
    _export("people", file, lang)
