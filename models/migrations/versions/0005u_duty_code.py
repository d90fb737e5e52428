"""spot checks: personal duty codes (值班识别码) on people, a plan asking for them, and what a call's code said

A person's code is kept only as an HMAC bound to their unit, unique within the unit (NULL: no code). A plan's
automated calls ask for it after the confirm key when `require_duty_code` is on; each attempt keeps whose code was
keyed, and each result who was rostered as judged.

Revision ID: 0005u_duty_code
Revises: 0005t_circular_number
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0005u_duty_code"
down_revision = "0005t_circular_number"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duty_code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("duty_code_set_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_person_duty_code", ["unit_id", "duty_code_hash"])
    with op.batch_alter_table("spotcheck_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("require_duty_code", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("ivr_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_at", models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("code_match", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("code_person_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key("fk_ivr_attempt_code_person", "person", ["code_person_id"], ["id"])
    with op.batch_alter_table("phone_check", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rostered", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("phone_check", schema=None) as batch_op:
        batch_op.drop_column("rostered")
    with op.batch_alter_table("ivr_attempt", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ivr_attempt_code_person", type_="foreignkey")
        batch_op.drop_column("code_person_id")
        batch_op.drop_column("code_match")
        batch_op.drop_column("code_at")
    with op.batch_alter_table("spotcheck_plan", schema=None) as batch_op:
        batch_op.drop_column("require_duty_code")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("uq_person_duty_code", type_="unique")
        batch_op.drop_column("duty_code_set_at")
        batch_op.drop_column("duty_code_hash")
