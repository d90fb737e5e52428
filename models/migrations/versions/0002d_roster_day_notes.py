"""rosters: the 备注 of each day of a unit's roster (kept through import and export)

Revision ID: 0002d_roster_day_notes
Revises: 0002c_roster_policy_defaults
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002d_roster_day_notes'
down_revision = '0002c_roster_policy_defaults'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_day_note',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('unit_id', 'day')
    )


def downgrade() -> None:
    op.drop_table('roster_day_note')
