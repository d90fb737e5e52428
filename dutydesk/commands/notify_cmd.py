"""`dutydesk notify test`, `dutydesk notifiers list`, `dutydesk channels add/list`."""

from __future__ import annotations

import asyncio
import json

import typer
from pydantic import ValidationError
from sqlmodel import Session

from core.db import get_engine, session_scope
from core.errors import ServiceError
from core.settings import get_settings
from engine.dispatcher import Dispatcher  # the same sending code as `dutydesk serve`
from models.deliveries import ChannelConfigCreate, Delivery
from models.types import utcnow
from notifiers import registry
from services import deliveries

notify = typer.Typer(no_args_is_help=True, help="send messages through configured channels")
notifiers = typer.Typer(no_args_is_help=True, help="channel plugins (built-in and installed)")
channels = typer.Typer(no_args_is_help=True, help="configured channels")
ACTOR = "cli"


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {getattr(exc, 'reason', exc)}", err=True)
    raise typer.Exit(1)


def _key() -> str:
    return get_settings().secret_key.get_secret_value()


@notifiers.command("list")
def list_notifiers() -> None:
    """Every channel kind: built-ins and entry-point plugins (group dutydesk.notifiers)."""
    for kind, (origin, target) in sorted(registry.available().items()):
        try:
            title = registry.get(kind).title
        except Exception as exc:  # a broken plugin is listed with its error, not hidden
            title = f"(cannot load: {exc})"
        typer.echo(f"{kind:<14} {origin:<10} {title:<16} {target}")


@channels.command("list")
def list_channels() -> None:
    """Configured channels, secrets shown as ***."""
    with session_scope() as session:
        for ch in deliveries.list_channels(session=session):
            state = "enabled" if ch.enabled else "disabled"
            typer.echo(f"{ch.name:<16} {ch.kind:<14} {state:<9} {json.dumps(deliveries.redacted(ch), ensure_ascii=False)}")


@channels.command("add")
def add_channel(name: str, kind: str, config: str = typer.Option("{}", help="the plugin's config as JSON"),
                title: str = "", account: str = "", max_concurrency: int = 16) -> None:
    """Configure a channel, e.g. `dutydesk channels add duty_hook webhook --config '{"base_url": "..."}'`."""
    try:
        data = ChannelConfigCreate(name=name, kind=kind, title=title, account=account, max_concurrency=max_concurrency,
                                   config=json.loads(config))
        with session_scope() as session:
            deliveries.create_channel(session=session, data=data, actor=ACTOR, key=_key())
    except (ValueError, ValidationError, ServiceError) as exc:
        _fail(exc)
    typer.echo(f"channel {name} ({kind}) added")


@notify.command("test")
def test(channel: str = typer.Option(..., help="channel name"), to: str = typer.Option(..., help="address"),
         lang: str = "zh-CN", wait: float = typer.Option(30.0, help="seconds to wait for the outcome")) -> None:
    """Send the test template to one address now and print what happened to it."""
    settings = get_settings()
    try:
        with session_scope() as session:
            row = deliveries.send_test(session=session, name=channel, to=to, person_id=None, actor=ACTOR, now=utcnow(), lang=lang)
            row_id = row.id
    except ServiceError as exc:
        _fail(exc)
    dispatcher = Dispatcher(get_engine(), key=settings.secret_key.get_secret_value(), public_url=settings.public_url)
    asyncio.run(dispatcher.run_until_idle(timeout=wait))
    with Session(get_engine()) as session:
        d = session.get(Delivery, row_id)
        typer.echo(f"{d.state}: {d.channel} → {to}; provider id {d.provider_message_id or '-'}; tries {d.attempts}")
        if d.last_error:
            typer.echo(f"error: {d.last_error}", err=True)
        if d.state not in ("sent", "delivered"):
            raise typer.Exit(1)
