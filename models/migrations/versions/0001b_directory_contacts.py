"""directory: personal contact methods (联系方式, verified by a code) and notification rules (通知规则)

Revision ID: 0001b_directory_contacts
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision = "0001b_directory_contacts"
down_revision = "0001"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "contact_method",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", S(length=20), nullable=False),
        sa.Column("value", S(length=120), nullable=False),
        sa.Column("label", S(length=40), nullable=False),
        sa.Column("verified_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by", S(length=120), nullable=False),
        sa.Column("code_hash", S(length=64), nullable=False),
        sa.Column("code_sent_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_expires_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("code_sends", sa.Integer(), nullable=False),
        sa.Column("code_delivery_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "kind", "value", name="uq_contact_method_value"),
    )
    with op.batch_alter_table("contact_method", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_method_person_id"), ["person_id"], unique=False)
    op.create_table(
        "notification_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("method_id", sa.Uuid(), nullable=False),
        sa.Column("medium", S(length=20), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["method_id"], ["contact_method.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("method_id", "medium", "delay_minutes", name="uq_notification_rule"),
    )
    with op.batch_alter_table("notification_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_rule_method_id"), ["method_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_rule_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("notification_rule")
    op.drop_table("contact_method")
