"""incidents: an acknowledgement's way names the channel a link came by (wecom_link, dingtalk_link, feishu_link,
email_link …), which needs more than ten characters

Revision ID: 0004s_ack_link_channel
Revises: 0004r_incident_merge
"""

import sqlmodel

from alembic import op

revision = "0004s_ack_link_channel"
down_revision = "0004r_incident_merge"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("incident_ack", schema=None) as batch_op:
        batch_op.alter_column("via", existing_type=S(length=10), type_=S(length=20), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_ack", schema=None) as batch_op:
        batch_op.alter_column("via", existing_type=S(length=20), type_=S(length=10), existing_nullable=False)
