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


def test_roster_overrides_equal_to_the_old_defaults_become_the_rules_defaults(tmp_path):
    """0002c: a policy row holding copies of the defaults now follows the rule; a real override stays."""
    from alembic import command
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        cfg = schema.alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002b_roster_speed")
        conn.execute(text("INSERT INTO unit (id, name, code, type, sort_order, active, duty_phone, address, created_at,"
                          " updated_at) VALUES ('u1', '高观镇', 't1', 'town', 0, 1, '', '', '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO unit_roster_policy (unit_id, handover, flood_start, flood_end, min_rest_hours,"
                          " leader_stays_in_room, updated_at) VALUES ('u1', '08:30', '05-01', '10-15', 24, 1,"
                          " '2026-01-01 00:00:00')"))
    schema.upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT handover, flood_start, flood_end, min_rest_hours, leader_stays_in_room"
                                " FROM unit_roster_policy")).one()
    assert tuple(row) == (None, "05-01", None, None, None)
    engine.dispose()


def test_phones_already_stored_take_the_one_stored_form(tmp_path):
    """0007p: a phone stored as typed before (dashes, spaces, +86) is stored as new ones are; no phone stays."""
    from alembic import command
    from sqlalchemy import text

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        cfg = schema.alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006b_audit_key")
        conn.execute(text("INSERT INTO unit (id, name, code, type, sort_order, active, duty_phone, address, created_at,"
                          " updated_at) VALUES ('u1', '高观镇', 't1', 'town', 0, 1, '+86 0838 621 0110', '',"
                          " '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO person (id, name, title, unit_id, mobile, office_phone, email, dingtalk_id,"
                          " wecom_id, feishu_id, is_leading_cadre, is_unit_head, domain_categories, active, created_at,"
                          " updated_at) VALUES ('p1', '张伟', '', 'u1', '139-0000-0011', '0851-8888 6666', '', '', '',"
                          " '', 0, 0, '[]', 1, '2026-01-01', '2026-01-01')"))
    schema.upgrade(engine)
    with engine.connect() as conn:
        person = conn.execute(text("SELECT mobile, office_phone FROM person")).one()
        unit = conn.execute(text("SELECT duty_phone FROM unit")).one()
    assert tuple(person) == ("13900000011", "0851-88886666") and unit[0] == "0838-6210110"
    engine.dispose()
