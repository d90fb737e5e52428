"""incidents: the grade suggestion's reason as data (suggested_basis), so the console words it in the page's language

Incidents from before keep an empty basis: their stored zh-CN reason is shown as it was written.

Revision ID: 0004q_grade_basis
Revises: 0004p_policy_versions
"""

import sqlalchemy as sa

from alembic import op

revision = "0004q_grade_basis"
down_revision = "0004p_policy_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggested_basis", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("suggested_basis")
