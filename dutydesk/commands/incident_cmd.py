"""`dutydesk incident`: open, report, acknowledge and list incidents from the shell."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import typer
from pydantic import ValidationError

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from dutydesk.commands.refusals import invalid
from services.access import Actor
from services.incidents import duplicates, merge
from services.incidents.acks import acknowledge
from services.incidents.board import board
from services.incidents.convert import report_title
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import TYPED, IncidentIn, ReportIn
from services.times import office_time

app = typer.Typer(no_args_is_help=True, help="incidents (突发事件)")
ACTOR = Actor.system("cli")  # the shell acts as the duty office


def _run(fn):
    try:
        with session_scope() as session:
            return fn(session, datetime.now(UTC))
    except ValidationError as exc:
        raise invalid(exc) from exc
    except ServiceError as exc:
        typer.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc}", err=True)
        raise typer.Exit(1) from exc


def _when(value: str | None, name: str) -> str | None:
    """An ISO time; without a zone it is local (the office's zone, DUTYDESK_TIMEZONE)."""
    try:
        at = office_time(value, get_settings().tz)
    except ValueError as exc:
        typer.echo(f"错误：--{name}：{exc} (not a time: {value!r})", err=True)
        raise typer.Exit(2) from None
    return at.isoformat() if at else None


@app.command("open")
def open_(title: str, category: str = typer.Option(..., help="natural_disaster / accident / public_health / "
                                                             "social_security / public_opinion"),
          unit: str = typer.Option(..., help="reporting unit code"), received: str = typer.Option(None,
          help="接报 time (ISO; default now)"), occurred: str = None, place: str = "", source: str = "",
          deaths: str = None, seriously_injured: str = None, injured: str = None, missing: str = None,
          grade: int = None, reason: str = "", sensitive: bool = False) -> None:
    """Log an incident (接报登记); casualties are counts or 待核实."""
    def go(session, now):
        data = IncidentIn.model_validate(dict(
            title=title, category=category, unit_code=unit, received_at=_when(received, "received") or now,
            occurred_at=_when(occurred, "occurred"), place=place, source=source, deaths=deaths,
            seriously_injured=seriously_injured, injured=injured, missing=missing, grade=grade,
            grade_override_reason=reason, sensitive=sensitive), context=TYPED)  # figures as typed: "3" is 3
        inc = open_incident(session=session, data=data, by=ACTOR, now=now, settings=get_settings())
        found = duplicates.of_incident(session, inc, now, by=ACTOR, settings=get_settings())
        return inc.id, inc.grade, inc.suggested_reason, [(x.incident.id, x.incident.title, x.unit) for x in found]
    iid, g, why, found = _run(go)
    typer.echo(f"opened {iid} grade {g or '-'} ({why})")
    for other, title, unit in found:  # a warning: the incident is logged all the same
        typer.echo(f"可能为同一事件 (possible duplicate): {other} {title} · {unit}", err=True)


@app.command("merge")
def merge_(incident_id: uuid.UUID, into: uuid.UUID = typer.Option(..., help="the incident to keep")) -> None:
    """Merge an incident into another (同一事件): it becomes a source of the one kept; its escalation stops."""
    def go(session, now):
        m = merge.merge(session=session, incident_id=incident_id, into_id=into, by=ACTOR, now=now)
        return m.incident.title, m.into.title, m.warnings
    title, kept, warnings = _run(go)
    for w in warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(f"merged 「{title}」 into 「{kept}」")


@app.command("report")
def report(incident_id: uuid.UUID, kind: str = typer.Option(..., help="first / followup / final"),
           channel: str = "written", content: str = "", situation: str = None, handling: str = None,
           cause: str = None, aftermath: str = None, deaths: str = None, seriously_injured: str = None,
           injured: str = None, missing: str = None,
           confirm_unverified: bool = typer.Option(False, help="a 终报 with figures still 待核实 (flagged)")) -> None:
    """Record a 首报 / 续报 / 终报 (written ones go upward); figures are counts or 待核实, the incident's from now on."""
    def go(session, now):
        figures = {k: v for k, v in dict(deaths=deaths, seriously_injured=seriously_injured, injured=injured,
                                         missing=missing).items() if v is not None}
        data = ReportIn.model_validate(dict(
            kind=kind, channel=channel, content=content, situation=situation, handling=handling, cause=cause,
            aftermath=aftermath, confirm_unverified=confirm_unverified, **figures), context=TYPED)
        rep = add_report(session=session, incident_id=incident_id, data=data, by=ACTOR, now=now,
                         settings=get_settings())
        return report_title(rep), rep.late_minutes
    title, late = _run(go)
    typer.echo(f"{title} recorded" + (f", 迟报{late}分钟" if late else ""))


@app.command("ack")
def ack(incident_id: uuid.UUID, name: str = typer.Option(..., help="who acknowledged"),
        via: str = typer.Option("console", help="console / sms / voice / card")) -> None:
    """Record an acknowledgement (e.g. a leader who phoned in)."""
    a = _run(lambda s, now: acknowledge(session=s, incident_id=incident_id, by=ACTOR, via=via, now=now, name=name,
                                        tz=get_settings().timezone))
    typer.echo(f"acknowledged by {a.name} after {a.seconds_to_ack // 60} min")


@app.command("list")
def list_(closed: bool = typer.Option(False, "--all", help="include closed incidents"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The board: open incidents by urgency."""
    def go(session, now):
        return [{"id": str(b.incident.id), "title": b.incident.title, "unit": b.unit, "grade": b.incident.grade,
                 "status": b.incident.status, "acknowledged_by": b.incident.acknowledged_by,
                 "next_deadline": b.next_deadline.due_at.isoformat() if b.next_deadline else None,
                 "overdue": b.overdue, "flags": [f.text for f in b.flags]}
                for b in board(session, now, by=ACTOR, settings=get_settings(), include_closed=closed)]
    rows = _run(go)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(f"{r['id'][:8]} {r['status']:<6} {('Ⅰ','Ⅱ','Ⅲ','Ⅳ')[r['grade'] - 1] if r['grade'] else '-':<2} "
                   f"{r['title']} · {r['unit']} · {'已确认 ' + r['acknowledged_by'] if r['acknowledged_by'] else '未确认'}"
                   f"{' · 超时' + str(r['overdue']) if r['overdue'] else ''}")
