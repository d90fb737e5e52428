"""incidents: acknowledgements per person and kind (确认收到 / 签收), the absent person a notice replaces,
a report's upward re-sends and its phoned record

Existing acknowledgements become kind 'ack', each keyed by its own row id (the old code allowed repeats).

Revision ID: 0004c_incident_truth
Revises: 0004b_incident_policies
"""

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision = "0004c_incident_truth"
down_revision = "0004b_incident_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_ack", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default="ack"))
        batch_op.add_column(sa.Column("who", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("step_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stopped", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False,
                                      server_default=""))
    # rows from before: one key each (the old code allowed repeats, kept as they were)
    op.execute("UPDATE incident_ack SET who = 'row:' || CAST(id AS VARCHAR(40))")
    with op.batch_alter_table("incident_ack", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_incident_ack_incident_id_kind_who", ["incident_id", "kind", "who"])
    with op.batch_alter_table("incident_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("for_person_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key("fk_incident_notice_for_person_id_person", "person", ["for_person_id"], ["id"])


    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upward_sends", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("phoned_upward_at", models.types.UTCDateTime(timezone=True), nullable=True))
        for col in ("phoned_upward_by", "phoned_upward_to", "phoned_recorded_by"):
            batch_op.add_column(sa.Column(col, sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False,
                                          server_default=""))
    op.execute("UPDATE incident_report SET upward_sends = 1 WHERE sent_upward_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        for col in ("phoned_recorded_by", "phoned_upward_to", "phoned_upward_by", "phoned_upward_at", "upward_sends"):
            batch_op.drop_column(col)
    with op.batch_alter_table("incident_notice", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incident_notice_for_person_id_person", type_="foreignkey")
        batch_op.drop_column("for_person_id")
    with op.batch_alter_table("incident_ack", schema=None) as batch_op:
        batch_op.drop_constraint("uq_incident_ack_incident_id_kind_who", type_="unique")
        for col in ("recorded_by", "stopped", "step_seq", "who", "kind"):
            batch_op.drop_column(col)
