"""spot checks: a circular's 文号 (document number), numbered per year of issue and kept once issued

Revision ID: 0005t_circular_number
Revises: 0005s_spot_truth
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005t_circular_number"
down_revision = "0005s_spot_truth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("circular", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doc_number", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("number_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("number_seq", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_circular_number", ["number_year", "number_seq"])


def downgrade() -> None:
    with op.batch_alter_table("circular", schema=None) as batch_op:
        batch_op.drop_constraint("uq_circular_number", type_="unique")
        batch_op.drop_column("number_seq")
        batch_op.drop_column("number_year")
        batch_op.drop_column("doc_number")
