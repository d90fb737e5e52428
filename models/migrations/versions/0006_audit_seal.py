"""audit log sealed by one sealer: chain_pos, nullable hashes; audit_check

Revision ID: 0006_audit_seal
Revises: 0001
Create Date: 2026-11-26

Entries are re-chained on upgrade: existing rows are left unsealed and the
first `seal` gives them positions in seq order.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0006_audit_seal"
down_revision = "0001"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("chain_pos", BIGINT, nullable=True))
        batch.alter_column("prev_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        batch.alter_column("hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        batch.create_index("ix_audit_entry_chain_pos", ["chain_pos"], unique=True)
    op.execute("UPDATE audit_entry SET prev_hash = NULL, hash = NULL")
    op.create_table(
        "audit_check",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_index("ix_audit_check_at", "audit_check", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_check_at", table_name="audit_check")
    op.drop_table("audit_check")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_entry_chain_pos")
        batch.drop_column("chain_pos")
