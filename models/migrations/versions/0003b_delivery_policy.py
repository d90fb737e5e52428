"""deliveries: per-row retry policy (max_attempts, set by the enqueuer)

Revision ID: 0003b_delivery_policy
Revises: 0003_deliveries
"""

import sqlalchemy as sa
from alembic import op

revision = '0003b_delivery_policy'
down_revision = '0003_deliveries'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_attempts', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('max_attempts')
