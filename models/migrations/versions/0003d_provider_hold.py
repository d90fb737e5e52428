"""deliveries: a provider's Retry-After held in its provider_window row, for every engine

Revision ID: 0003d_provider_hold
Revises: 0003c_provider_windows
"""

import sqlalchemy as sa
from alembic import op

revision = "0003d_provider_hold"
down_revision = "0003c_provider_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provider_window", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_until", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_window", schema=None) as batch_op:
        batch_op.drop_column("held_until")
