"""deliveries: provider limits held in the database (one sliding window per provider account), per-channel limits

Revision ID: 0003c_provider_windows
Revises: 0003b_delivery_policy
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0003c_provider_windows"
down_revision = "0003b_delivery_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("provider_window",
    sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("stamps", sa.JSON(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("key")
    )
    with op.batch_alter_table("provider_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_window_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("channel_config", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rate_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_config", schema=None) as batch_op:
        batch_op.drop_column("rate_seconds")
        batch_op.drop_column("rate_count")
    with op.batch_alter_table("provider_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_window_updated_at"))
    op.drop_table("provider_window")
