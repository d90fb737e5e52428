"""`dutydesk spotcheck` and `dutydesk report`: plan a quarter, run a round, issue a circular, the yearly report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from models.spotchecks.checks import CheckMode
from services.spotchecks import circulars, plans
from services.spotchecks.report import yearly_report

app = typer.Typer(no_args_is_help=True, help="spot checks (抽查)")
report_app = typer.Typer(no_args_is_help=True, help="reports")


def _fail(exc: ServiceError) -> None:
    typer.echo(f"{exc.field or 'error'}: {exc.reason}", err=True)
    raise typer.Exit(2)


@app.command()
def plan(quarter: str = typer.Option(..., help="e.g. 2026Q4"), seed: str = typer.Option(..., help="random seed"),
         mode: CheckMode = typer.Option(CheckMode.manual, help="manual or automated (IVR)"),
         duty_code: bool = typer.Option(None, "--duty-code/--no-duty-code",
                                        help="automated calls ask for the answerer's duty code (要求按值班识别码); "
                                        "default: DUTYDESK_SPOTCHECKS__REQUIRE_DUTY_CODE")) -> None:
    """Plan a quarter of phone spot checks for every active unit (reproducible from the seed)."""
    s = get_settings()
    try:
        with session_scope() as session:
            p = plans.make_plan(session=session, quarter=quarter, seed=seed, actor="cli", now=datetime.now(UTC),
                                settings=s, mode=mode, require_duty_code=duty_code)
            checks = plans.plan_checks_of(session=session, plan_id=p.id)
            asks = "；要求按值班识别码" if p.require_duty_code else ""
            typer.echo(f"plan {p.label} (seed {p.seed}): {len(checks)} checks{asks}")
            for c in checks[:10]:
                typer.echo(f"  {c.planned_at.astimezone(s.tz):%Y-%m-%d %H:%M}  {c.why}")
    except ServiceError as exc:
        _fail(exc)


@app.command()
def circular(year: int = typer.Option(...), month: int = typer.Option(...)) -> None:
    """Issue the monthly circular (通报) as .docx and open explanation requests."""
    s = get_settings()
    try:
        with session_scope() as session:
            row = circulars.issue(session=session, year=year, month=month, actor="cli", now=datetime.now(UTC),
                                  settings=s)
            typer.echo(f"circular {year}-{month:02d} {row.doc_number}: {s.data_dir / row.doc_path} "
                       f"sha256={row.doc_sha256}")
    except ServiceError as exc:
        _fail(exc)


@report_app.command()
def yearly(year: int = typer.Option(...), out: Path = typer.Option(..., help="the .docx to write")) -> None:
    """The yearly duty report; its duty paragraph is computed from the database."""
    try:
        with session_scope() as session:
            r = yearly_report(session=session, year=year, settings=get_settings(), out=out, now=datetime.now(UTC))
    except ServiceError as exc:
        _fail(exc)
    typer.echo(r.paragraph)
    if r.missing_sources:
        typer.echo(f"note: no data source yet for {', '.join(r.missing_sources)}", err=True)
    typer.echo(f"written: {out} sha256={r.sha256}")
