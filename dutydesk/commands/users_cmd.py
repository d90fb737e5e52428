"""`dutydesk users`: accounts and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from pydantic import ValidationError
from sqlmodel import select

from core.db import session_scope
from core.errors import Invalid, ServiceError
from models.accounts import Role, User, UserCreate, UserUpdate
from models.directory import Unit
from services import accounts
from services.rosters.policy import unit_by_code_or_name

app = typer.Typer(no_args_is_help=True, help="accounts (a new password with `password`) and API tokens (issue with `token`, list with `tokens`, "
                  "revoke with `revoke-token`)")
ACTOR = "cli"


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)


@app.command("list")
def list_users() -> None:
    """List every account."""
    with session_scope() as session:
        for u in session.exec(select(User).order_by(User.username)):
            typer.echo(f"{u.username:<16} {u.role.value:<14} {'active' if u.active else 'inactive':<9} {u.display_name}")


@app.command()
def create(username: str, role: Role, password: str = typer.Option(..., prompt=True, hide_input=True),
           display_name: str = "",
           unit: str = typer.Option("", help="the account's unit (单位), by name or code: a unit reporter's account "
                                    "reports for this unit only, and must have one"),
           person: str = typer.Option("", help="the directory person this account is (name or id): a leader's "
                                      "account is notified only when linked; a shared name is refused with the choices")
           ) -> None:
    """Create an account."""
    try:
        with session_scope() as session:
            of_unit = unit_by_code_or_name(session, unit) if unit.strip() else None
            linked = accounts.person_by_name_or_id(session=session, text=person) if person.strip() else None
            if of_unit is None and linked is not None and role is Role.unit_reporter:
                of_unit = session.get(Unit, linked.unit_id) if linked.unit_id else None  # the person's unit
            if of_unit is None and role is Role.unit_reporter:
                raise Invalid("单位填报员账号必须属于一个单位：请用 --unit 给出单位名称或代码 (a unit reporter must "
                              "belong to a unit: give --unit with its name or code)", field="unit")
            accounts.create_user(session=session, actor=ACTOR, data=UserCreate(
                username=username, password=password, role=role, display_name=display_name or (
                    linked.name if linked else ""), person_id=linked.id if linked else None,
                unit_id=of_unit.id if of_unit else None))
            unit_name = of_unit.name if of_unit else ""
    except (ValidationError, ServiceError) as exc:
        _fail(exc)
    typer.echo(f"created {username} ({role.value})" + (f" of {unit_name}" if unit_name else "")
               + (f", linked to {person.strip()}" if person.strip() else ""))


@app.command()
def password(username: str, password: str = typer.Option(
        ..., prompt="新密码 (new password)", hide_input=True, confirmation_prompt=True,
        help="the new password; when not given it is asked for, twice, without echo (what a person types)")) -> None:
    """Give an account a new password (e.g. a demo leader's, created with none known); its sessions end and its API
    tokens are revoked."""
    try:
        with session_scope() as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise Invalid(f"没有账号 {username!r} (no user {username!r})", field="username")
            accounts.update_user(session=session, user_id=user.id, data=UserUpdate(password=password), actor=ACTOR)
    except (ValidationError, ServiceError) as exc:
        _fail(exc)
    typer.echo(f"password changed for {username}")


@app.command()
def deactivate(username: str) -> None:
    """Deactivate an account (its sessions end at once)."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            _fail(ValueError(f"no user {username!r}"))
        accounts.update_user(session=session, user_id=user.id, data=UserUpdate(active=False), actor=ACTOR)
    typer.echo(f"deactivated {username}")


@app.command()
def token(username: str, name: str = typer.Option(..., help="what the integration is")) -> None:
    """Issue an API token for an account (printed once)."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            _fail(ValueError(f"no user {username!r}"))
        value, _ = accounts.create_api_token(session=session, user=user, name=name, actor=ACTOR)
    typer.echo(value)


@app.command("tokens")
def list_tokens() -> None:
    """List API tokens: id, prefix, account, purpose, last use, revoked or valid (the values are never shown)."""
    with session_scope() as session:
        for row, username in accounts.list_api_tokens(session=session):
            used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "valid"
            typer.echo(f"{row.id}  {row.prefix:<10} {username:<16} {state:<24} used {used:<16} {row.name}")


@app.command("revoke-token")
def revoke_token(token: str = typer.Argument(..., help="the token's id or prefix, as `dutydesk users tokens` shows")
                 ) -> None:
    """Revoke an API token at once: every later call with it is refused (401). Audited as the CLI."""
    try:
        with session_scope() as session:
            row = accounts.find_api_token(session=session, ref=token)
            accounts.revoke_api_token(session=session, token_id=row.id, actor=ACTOR, now=datetime.now(UTC))
            name = row.name
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"revoked {token} ({name})")
