"""incidents: when the office last confirmed the grade (确认定级), so that a 复核定级 hint raised by a 续报's figures
ends once the office has looked at them and kept (or changed) the grade

Revision ID: 0004t_grade_reviewed
Revises: 0004s_ack_link_channel
"""

import sqlalchemy as sa

import models.types
from alembic import op

revision = "0004t_grade_reviewed"
down_revision = "0004s_ack_link_channel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade_confirmed_at", models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("grade_confirmed_at")
