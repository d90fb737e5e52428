"""rosters: roster_slot without per-row foreign-key checks (bulk generation speed)

Every slot's unit and person come from duty_post / duty_pool_member, which keep
their foreign keys, and units and people are deactivated, never deleted. The two
checks on roster_slot cost ~45% of a PostgreSQL COPY of generated slots.

Revision ID: 0002b_roster_speed
Revises: 0002_rosters
"""

from alembic import op

revision = '0002b_roster_speed'
down_revision = '0002_rosters'
branch_labels = None
depends_on = None
# 0002_rosters left the constraints unnamed: PostgreSQL named them <table>_<column>_fkey; SQLite's batch
# mode finds them through this convention.
NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}
FKS = (("roster_slot_unit_id_fkey", "unit", "unit_id"), ("roster_slot_person_id_fkey", "person", "person_id"))


def upgrade() -> None:
    with op.batch_alter_table('roster_slot', schema=None, naming_convention=NAMES) as batch_op:
        for name, _, _ in FKS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('roster_slot', schema=None, naming_convention=NAMES) as batch_op:
        for name, table, column in FKS:
            batch_op.create_foreign_key(name, table, [column], ['id'])
