"""incidents: escalation policies an office edits: versions kept, the acknowledgement timeout

Every policy row gets a version (1 for the existing ones; the service writes a row's version into the history
table before its first edit), when and by whom it last changed, and an optional ack timeout; an incident's
escalation row notes its ack-timeout re-alert.

Revision ID: 0004p_policy_versions
Revises: 0004c_incident_truth
"""

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision = "0004p_policy_versions"
down_revision = "0004c_incident_truth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation_policy_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_timeout_minutes", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE escalation_policy_rule SET updated_at = created_at, updated_by = created_by")
    with op.batch_alter_table("escalation_policy_rule", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=models.types.UTCDateTime(timezone=True), nullable=False)
    op.create_table(
        "escalation_policy_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["escalation_policy_rule.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy_id", "version"),
    )
    with op.batch_alter_table("escalation_policy_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_policy_version_policy_id"), ["policy_id"], unique=False)
    with op.batch_alter_table("escalation_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_realerted_at", models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation_state", schema=None) as batch_op:
        batch_op.drop_column("ack_realerted_at")
    with op.batch_alter_table("escalation_policy_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_policy_version_policy_id"))
    op.drop_table("escalation_policy_version")
    with op.batch_alter_table("escalation_policy_rule", schema=None) as batch_op:
        for col in ("updated_at", "updated_by", "version", "ack_timeout_minutes"):
            batch_op.drop_column(col)
