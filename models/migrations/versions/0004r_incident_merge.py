"""incidents: merging duplicates (同一事件多方报告): the merged incident points at the one kept, and its deadlines
say they closed because of the merge (not overdue)

Revision ID: 0004r_incident_merge
Revises: 0004q_grade_basis
"""

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision = "0004r_incident_merge"
down_revision = "0004q_grade_basis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("merged_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("merged_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default=""))
        batch_op.create_index("ix_incident_merged_into_id", ["merged_into_id"], unique=False)
        batch_op.create_foreign_key("fk_incident_merged_into_id_incident", "incident", ["merged_into_id"], ["id"])
    with op.batch_alter_table("incident_deadline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incident_deadline", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incident_merged_into_id_incident", type_="foreignkey")
        batch_op.drop_index("ix_incident_merged_into_id")
        batch_op.drop_column("merged_by")
        batch_op.drop_column("merged_at")
        batch_op.drop_column("merged_into_id")
