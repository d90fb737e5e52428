"""rosters: a unit's roster overrides are NULL where the unit keeps the rule's default

Before, every override column held a copy of the default (08:30, 04-15..10-15, 24 h, leader stays), so a
changed default never reached units whose row existed. Values equal to the old defaults become NULL: a unit
that had typed the default is indistinguishable from one that never overrode it, and both now follow the rule.

Revision ID: 0002c_roster_policy_defaults
Revises: 0002b_roster_speed
"""

import sqlalchemy as sa
from alembic import op

revision = '0002c_roster_policy_defaults'
down_revision = '0002b_roster_speed'
branch_labels = None
depends_on = None
COLUMNS = (("handover", sa.String(5), "'08:30'"), ("flood_start", sa.String(5), "'04-15'"),
           ("flood_end", sa.String(5), "'10-15'"), ("min_rest_hours", sa.Integer(), "24"),
           ("leader_stays_in_room", sa.Boolean(), None))


def upgrade() -> None:
    with op.batch_alter_table('unit_roster_policy', schema=None) as batch_op:
        for name, type_, _ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
    for name, _, default in COLUMNS:
        if default is not None:
            op.execute(f"UPDATE unit_roster_policy SET {name} = NULL WHERE {name} = {default}")
    op.execute(sa.text("UPDATE unit_roster_policy SET leader_stays_in_room = NULL WHERE leader_stays_in_room = :t")
               .bindparams(t=True))


def downgrade() -> None:
    for name, _, default in COLUMNS:
        value = default if default is not None else "TRUE"
        op.execute(f"UPDATE unit_roster_policy SET {name} = {value} WHERE {name} IS NULL")
    with op.batch_alter_table('unit_roster_policy', schema=None) as batch_op:
        for name, type_, _ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
