"""login throttling per account and address with progressive lock-outs; applied provider callback events

Revision ID: 0007_trust_sessions
Revises: 0006b_audit_key
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0007_trust_sessions"
down_revision = "0006b_audit_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locks", sa.Integer(), nullable=False, server_default="0"))
    # The old keys (user:<name>) locked an account from any address; they mean nothing now.
    op.execute("DELETE FROM login_failure WHERE key LIKE 'user:%'")
    op.create_table(
        "callback_event",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "event_id"),
    )
    op.create_index(op.f("ix_callback_event_received_at"), "callback_event", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_event_received_at"), table_name="callback_event")
    op.drop_table("callback_event")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_column("locks")
