"""leave: urgent (急事) same-day or after-the-fact reports, with a reason, flagged for review

Revision ID: 0002d_leave_urgent
Revises: 0002c_roster_policy_defaults
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002d_leave_urgent"
down_revision = "0002c_roster_policy_defaults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leave_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("urgent_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("leave_report", schema=None) as batch_op:
        for col in ("needs_review", "urgent_reason", "urgent"):
            batch_op.drop_column(col)
