"""`dutydesk roster posts|post|pool`: a unit's duty posts (岗位) and their rotation pools (轮换人员)."""

from __future__ import annotations

import uuid

import typer
from sqlmodel import select

from core.db import session_scope
from core.errors import Invalid, ServiceError
from dutydesk.commands.roster_cmd import BY, _fail, app
from models.directory import Person
from services.rosters import policy as pol


@app.command("posts")
def list_posts(unit: str = typer.Argument(..., help="unit code or name (如 柳溪镇)")) -> None:
    """A unit's posts with their head-counts and pools, in rotation order."""
    try:
        with session_scope() as s:
            u = pol.unit_by_code_or_name(s, unit)
            names = {str(p.id): p.name for p in s.exec(select(Person).where(Person.unit_id == u.id))}
            rows = pol.posts_view(session=s, unit_id=u.id, by=BY)
    except ServiceError as exc:
        _fail(exc)
    if not rows:
        typer.echo(f"{unit}: no posts yet (dutydesk roster post {unit} leader --label 带班领导)")
    for p in rows:
        typer.echo(f"{p['name']:<10} {p['label']:<8} {p['count']} / holiday {p['holiday_count'] or '-'} / flood "
                   f"{p['flood_count'] or '-'}: {'、'.join(names.get(x, x) for x in p['pool']) or '(empty pool)'}")


@app.command("post")
def set_post(unit: str = typer.Argument(..., help="unit code or name"),
             name: str = typer.Argument(..., help="post code, e.g. leader, officer"),
             label: str = typer.Option("", help="post name, e.g. 带班领导"),
             count: int = typer.Option(1, help="people a day"),
             holiday_count: int = typer.Option(None, help="on holidays (default: as every day)"),
             flood_count: int = typer.Option(None, help="in the flood season (default: as every day)")) -> None:
    """Create or change one post of a unit."""
    try:
        with session_scope() as s:
            u = pol.unit_by_code_or_name(s, unit)
            pol.set_post(session=s, unit_id=u.id, name=name, label=label or name, count=count,
                         holiday_count=holiday_count, flood_count=flood_count, by=BY)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"post {name} set for {unit}")


def _person(s, unit_id: uuid.UUID, text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    found = list(s.exec(select(Person).where(Person.unit_id == unit_id, Person.name == text, Person.active)))
    if len(found) != 1:
        shown = "；".join(f"{p.name} {p.mobile or ''} {p.id}" for p in found)
        raise Invalid(f"本单位没有“{text}”" if not found else f"本单位有 {len(found)} 位“{text}”：{shown}；请用人员 id",
                      field="people")
    return found[0].id


@app.command("pool")
def set_pool(unit: str = typer.Argument(..., help="unit code or name"),
             post: str = typer.Argument(..., help="post code"),
             people: list[str] = typer.Argument(..., help="names or ids of the unit's people, in rotation order")) -> None:
    """Replace a post's rotation pool with these people, in this order."""
    try:
        with session_scope() as s:
            u = pol.unit_by_code_or_name(s, unit)
            pol.set_pool(session=s, unit_id=u.id, post=post, people=[_person(s, u.id, x) for x in people], by=BY)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"pool of {post} set: {len(people)} people")
