"""The schema's migrations (Alembic, packaged in models/migrations) and the gate that refuses an old database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str):
    """An Alembic config pointing at the packaged migrations and `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revisions() -> set[str]:
    """The newest migrations shipped with this code (one per independent branch)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """The migrations the database is at; empty when un-migrated."""
    with engine.connect() as conn:
        try:
            return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except Exception:
            return set()


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (two instances never migrate at once on PostgreSQL)."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7171717)"))
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


class NotMigrated(RuntimeError):
    """The database is behind the code; the message says what to run."""


def check_migrated(engine: Engine) -> None:
    """Raise NotMigrated unless the database is at every head revision of the code."""
    current, heads = current_revisions(engine), head_revisions()
    if current != heads:
        raise NotMigrated(
            f"database at revision {', '.join(sorted(current)) or 'none'}, code expects "
            f"{', '.join(sorted(heads))}: run `dutydesk db upgrade`"
        )
