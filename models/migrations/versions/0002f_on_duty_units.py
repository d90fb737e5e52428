"""rosters: which units a change of "on duty now" touched, so a process rebuilds only those

0002e let each process keep "on duty now" until the stamp's token changes; the first call after any change
then rebuilt all 3,000 units (73-290 ms on this machine under load), and a dashboard refreshed live after every
change is in that case each time. Now the stamp also counts changes (`version`), and the triggers write, in the
writer's transaction, the version of the last change of each unit touched (`roster_unit_stamp`): slots updated
or deleted (the old and the new unit), a person renamed (the units of that person's slots), a unit's name, code
or duty phone. A change whose units the triggers do not know (slots inserted, a truncate, people or units
inserted or deleted) sets `all_at`: every process rebuilds everything once, as before.

Every writer updates the one stamp row first, so on PostgreSQL writers of these tables queue on its row lock
and commit in version order: a reader that sees version v sees every change up to v. SQLite admits one writer.

PostgreSQL: statement-level triggers with transition tables (those may not name columns, so the functions compare
the old and new values themselves). SQLite: row-level triggers for updates and deletes; the bulk insert of slots
(services/rosters/store.bulk_insert) sets `all_at` itself, as it set the token. A later SQLite
`batch_alter_table` on roster_slot, person or unit drops these triggers and must create them again
(tests/rosters/test_on_duty_cache.py fails otherwise).

Revision ID: 0002f_on_duty_units
Revises: 0002e_on_duty_stamp
"""

import sqlalchemy as sa
from alembic import op

revision = "0002f_on_duty_units"
down_revision = "0002e_on_duty_stamp"
branch_labels = None
depends_on = None

_PG_OLD = (("roster_slot", "INSERT OR UPDATE OR DELETE OR TRUNCATE"), ("person", "INSERT OR UPDATE OF name OR DELETE"),
           ("unit", "INSERT OR UPDATE OF name, code, duty_phone OR DELETE"))
_SQLITE_OLD = (("roster_slot", "UPDATE OR DELETE"), ("person", "UPDATE OF name OR DELETE"),
               ("unit", "UPDATE OF name, code, duty_phone OR DELETE"))

_PG_BUMP = ("UPDATE roster_stamp SET token = md5(random()::text || clock_timestamp()::text), version = version + 1"
            " WHERE name = 'on_duty' RETURNING version INTO v;")
_PG_MARK = ("INSERT INTO roster_unit_stamp (unit_id, version) SELECT u, v FROM ({units}) AS changed (u)"
            " ON CONFLICT (unit_id) DO UPDATE SET version = EXCLUDED.version;")
_PG_FUNCTIONS = {
    # changes of unknown units: everything is rebuilt once
    "dutydesk_on_duty_all": f"{_PG_BUMP} UPDATE roster_stamp SET all_at = v WHERE name = 'on_duty';",
    "dutydesk_on_duty_slots_updated": _PG_BUMP + _PG_MARK.format(
        units="SELECT unit_id FROM old_rows UNION SELECT unit_id FROM new_rows"),
    "dutydesk_on_duty_slots_deleted": _PG_BUMP + _PG_MARK.format(units="SELECT DISTINCT unit_id FROM old_rows"),
    "dutydesk_on_duty_person_updated": (
        "IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.name IS DISTINCT FROM o.name)"
        f" THEN {_PG_BUMP}" + _PG_MARK.format(
            units="SELECT DISTINCT s.unit_id FROM roster_slot s JOIN new_rows n ON s.person_id = n.id"
                  " JOIN old_rows o ON o.id = n.id WHERE n.name IS DISTINCT FROM o.name") + " END IF;"),
    "dutydesk_on_duty_unit_updated": (
        "IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (n.name, n.code, n.duty_phone)"
        f" IS DISTINCT FROM (o.name, o.code, o.duty_phone)) THEN {_PG_BUMP}" + _PG_MARK.format(
            units="SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
                  " WHERE (n.name, n.code, n.duty_phone) IS DISTINCT FROM (o.name, o.code, o.duty_phone)")
        + " END IF;"),
}
_PG_TRIGGERS = (  # name, event, table, transition tables, function
    ("roster_slot_on_duty_all", "INSERT OR TRUNCATE", "roster_slot", "", "dutydesk_on_duty_all"),
    ("roster_slot_on_duty_update", "UPDATE", "roster_slot", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "dutydesk_on_duty_slots_updated"),
    ("roster_slot_on_duty_delete", "DELETE", "roster_slot", "OLD TABLE AS old_rows", "dutydesk_on_duty_slots_deleted"),
    ("person_on_duty_all", "INSERT OR DELETE", "person", "", "dutydesk_on_duty_all"),
    ("person_on_duty_update", "UPDATE", "person", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "dutydesk_on_duty_person_updated"),
    ("unit_on_duty_all", "INSERT OR DELETE", "unit", "", "dutydesk_on_duty_all"),
    ("unit_on_duty_update", "UPDATE", "unit", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "dutydesk_on_duty_unit_updated"),
)

_SQLITE_BUMP = ("UPDATE roster_stamp SET token = lower(hex(randomblob(8))), version = version + 1"
                " WHERE name = 'on_duty';")
_SQLITE_MARK = ("INSERT INTO roster_unit_stamp (unit_id, version) SELECT {unit}, st.version FROM {source}"
                " WHERE st.name = 'on_duty'{where} ON CONFLICT (unit_id) DO UPDATE SET version = excluded.version;")
_SQLITE_ALL = "UPDATE roster_stamp SET all_at = version WHERE name = 'on_duty';"
_SQLITE_TRIGGERS = (  # name, event, table, WHEN, body
    ("roster_slot_on_duty_update", "UPDATE", "roster_slot", "",
     _SQLITE_BUMP + _SQLITE_MARK.format(unit="OLD.unit_id", source="roster_stamp st", where="")
     + _SQLITE_MARK.format(unit="NEW.unit_id", source="roster_stamp st", where="")),
    ("roster_slot_on_duty_delete", "DELETE", "roster_slot", "",
     _SQLITE_BUMP + _SQLITE_MARK.format(unit="OLD.unit_id", source="roster_stamp st", where="")),
    ("person_on_duty_update", "UPDATE OF name", "person", " WHEN OLD.name IS NOT NEW.name",
     _SQLITE_BUMP + _SQLITE_MARK.format(unit="s.unit_id", source="roster_stamp st JOIN roster_slot s",
                                        where=" AND s.person_id = NEW.id GROUP BY s.unit_id")),
    ("person_on_duty_delete", "DELETE", "person", "", _SQLITE_BUMP + _SQLITE_ALL),
    ("unit_on_duty_update", "UPDATE OF name, code, duty_phone", "unit",
     " WHEN OLD.name IS NOT NEW.name OR OLD.code IS NOT NEW.code OR OLD.duty_phone IS NOT NEW.duty_phone",
     _SQLITE_BUMP + _SQLITE_MARK.format(unit="NEW.id", source="roster_stamp st", where="")),
    ("unit_on_duty_delete", "DELETE", "unit", "", _SQLITE_BUMP + _SQLITE_ALL),
)


def upgrade() -> None:
    op.add_column("roster_stamp", sa.Column("version", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column("roster_stamp", sa.Column("all_at", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table("roster_unit_stamp",
    sa.Column("unit_id", sa.Uuid(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("unit_id")
    )
    op.create_index(op.f("ix_roster_unit_stamp_version"), "roster_unit_stamp", ["version"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in _PG_OLD:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_on_duty_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS dutydesk_on_duty_changed()")
        for name, body in _PG_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                       f" DECLARE v bigint; BEGIN {body} RETURN NULL; END $$")
        for name, event, table, transitions, function in _PG_TRIGGERS:
            referencing = f" REFERENCING {transitions}" if transitions else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
        return
    _drop_sqlite_0002e()
    for name, event, table, when, body in _SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {body} END")


def _drop_sqlite_0002e() -> None:
    for table, events in _SQLITE_OLD:
        for event in events.split(" OR "):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_on_duty_{event.split()[0].lower()}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, table, _, _ in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.execute("""CREATE FUNCTION dutydesk_on_duty_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE roster_stamp SET token = md5(random()::text || clock_timestamp()::text) WHERE name = 'on_duty';
                RETURN NULL;
            END $$""")
        for table, events in _PG_OLD:
            op.execute(f"CREATE TRIGGER {table}_on_duty_changed AFTER {events} ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION dutydesk_on_duty_changed()")
    else:
        for name, _, _, _, _ in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table, events in _SQLITE_OLD:
            for event in events.split(" OR "):
                op.execute(f"CREATE TRIGGER {table}_on_duty_{event.split()[0].lower()} AFTER {event} ON {table} BEGIN "
                           "UPDATE roster_stamp SET token = lower(hex(randomblob(8))) WHERE name = 'on_duty'; END")
    op.drop_index(op.f("ix_roster_unit_stamp_version"), table_name="roster_unit_stamp")
    op.drop_table("roster_unit_stamp")
    with op.batch_alter_table("roster_stamp") as batch_op:
        batch_op.drop_column("all_at")
        batch_op.drop_column("version")
