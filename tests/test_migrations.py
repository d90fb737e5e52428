"""Migrations: they build the models' schema on fresh SQLite and PostgreSQL; serve refuses an old database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401  (every table)
from core import db
from models import schema

ROOT = Path(__file__).resolve().parent.parent


def test_a_fresh_database_is_migrated_to_every_head(engine):
    # the engine fixture is a database created empty for this session and upgraded by schema.upgrade
    assert schema.current_revisions(engine) == schema.head_revisions()
    schema.check_migrated(engine)  # does not raise


def test_models_match_the_migrations(engine):
    """Like `alembic check`: autogenerate finds nothing to add, drop or alter."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert not diff, "models and migrations differ; generate a migration:\n" + "\n".join(map(str, diff))


def test_upgrade_twice_is_a_no_op(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    schema.upgrade(engine)
    schema.upgrade(engine)
    assert schema.current_revisions(engine) == schema.head_revisions()
    engine.dispose()


def test_serve_refuses_an_unmigrated_database(tmp_path):
    env = {**os.environ, "DUTYDESK_DB__URL": f"sqlite:///{tmp_path / 'old.db'}", "DUTYDESK_FLOWS__MODE": "off",
           "DUTYDESK_ENVIRONMENT": "development", "DUTYDESK_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "dutydesk.cli", "serve", "--port", "8999"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refusing to start" in proc.stderr and "dutydesk db upgrade" in proc.stderr
    assert "Uvicorn running" not in proc.stdout + proc.stderr
