"""rosters: a stamp that changes with every change "on duty now" depends on, kept by triggers

"On duty now" across 3,000 units cost 40-50 ms a call (9,000 slots with names, built into 3,000 rows); it is
on every dashboard and wall display, refreshed live. Each process now keeps its last answer until the next slot
boundary or until `roster_stamp.token` changes: the triggers below set a new random token on every insert,
update or delete of roster slots and on every change of a person's name or a unit's name, code or duty phone,
in the writer's own transaction, whoever writes (web, engine, flows, CLI, another machine).

PostgreSQL: statement-level triggers (a COPY of a year of slots fires once). SQLite has row-level triggers
only, and one per inserted slot cost ~70% of a bulk insert; there the bulk insert of slots (the only way slots
are inserted: services/rosters/store.bulk_insert) sets the token itself, and the triggers cover updates and
deletes. A later SQLite `batch_alter_table` on roster_slot, person or unit recreates the table and drops its
triggers: such a migration must create them again (tests/rosters/test_on_duty_cache.py fails otherwise).

Revision ID: 0002e_on_duty_stamp
Revises: 0002d_roster_day_notes
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002e_on_duty_stamp"
down_revision = "0002d_roster_day_notes"
branch_labels = None
depends_on = None

WATCHED = (("roster_slot", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "UPDATE OR DELETE"),
           ("person", "INSERT OR UPDATE OF name OR DELETE", "UPDATE OF name OR DELETE"),
           ("unit", "INSERT OR UPDATE OF name, code, duty_phone OR DELETE", "UPDATE OF name, code, duty_phone OR DELETE"))


def upgrade() -> None:
    op.create_table("roster_stamp",
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.PrimaryKeyConstraint("name")
    )
    op.execute("INSERT INTO roster_stamp (name, token) VALUES ('on_duty', 'initial')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION dutydesk_on_duty_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE roster_stamp SET token = md5(random()::text || clock_timestamp()::text) WHERE name = 'on_duty';
                RETURN NULL;
            END $$""")
        for table, events, _ in WATCHED:
            op.execute(f"CREATE TRIGGER {table}_on_duty_changed AFTER {events} ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION dutydesk_on_duty_changed()")
        return
    for table, _, events in WATCHED:
        for event in events.split(" OR "):
            name = f"{table}_on_duty_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                       "UPDATE roster_stamp SET token = lower(hex(randomblob(8))) WHERE name = 'on_duty'; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_on_duty_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS dutydesk_on_duty_changed()")
    else:
        for table, _, events in WATCHED:
            for event in events.split(" OR "):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_on_duty_{event.split()[0].lower()}")
    op.drop_table("roster_stamp")
