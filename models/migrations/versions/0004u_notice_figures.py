"""incidents: a 续报/终报 notice keeps the figures it told (incident_notice.figures, JSON), so the timeline shows
them from the record instead of reading them back from the message's text; older notices have none (NULL) and
are read from their text as before

Revision ID: 0004u_notice_figures
Revises: 0004t_grade_reviewed
"""

import sqlalchemy as sa

from alembic import op

revision = "0004u_notice_figures"
down_revision = "0004t_grade_reviewed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("figures", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident_notice", schema=None) as batch_op:
        batch_op.drop_column("figures")
