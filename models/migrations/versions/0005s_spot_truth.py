"""spot checks: an issued circular keeps its content; explanation requests have a due date and a reminder

Revision ID: 0005s_spot_truth
Revises: 0005_spotchecks
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0005s_spot_truth"
down_revision = "0005_spotchecks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("circular", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.JSON(), nullable=True))
    with op.batch_alter_table("explanation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_explanation_request_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("explanation_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_explanation_request_due_at"))
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("due_at")
    with op.batch_alter_table("circular", schema=None) as batch_op:
        batch_op.drop_column("content")
