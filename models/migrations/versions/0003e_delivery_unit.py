"""deliveries: a message may be addressed to a unit as a whole (delivery.unit_id)

Deadline alarms (报送时限提醒) and forwarded instructions go to a unit, not a person: the console inbox listed them
as delivered (已进入控制台收件箱) while no inbox showed them. The unit they go to is now recorded, and its duty
officers read them. Rows from before name no unit and stay in the message list (发送记录) only.

Revision ID: 0003e_delivery_unit
Revises: 0003d_provider_hold
"""

import sqlalchemy as sa
from alembic import op

revision = "0003e_delivery_unit"
down_revision = "0003d_provider_hold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("unit_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_delivery_unit_id", ["unit_id"], unique=False)
        batch.create_foreign_key("delivery_unit_id_fkey", "unit", ["unit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("delivery_unit_id_fkey", type_="foreignkey")
        batch.drop_index("ix_delivery_unit_id")
        batch.drop_column("unit_id")
