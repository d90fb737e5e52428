"""rosters: the title and footer of the office's own file, kept with the month it imported

An office's 值班表 opens with its own title (XX县人民政府办公室2026年12月值班表) and ends with its footer
(值班电话：…（24小时）); the print page and the Excel export show them when the month was imported from such a file.
Added with empty defaults (additive): old instances neither read nor write them.

Revision ID: 0002g_roster_month_title
Revises: 0002f_on_duty_units
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002g_roster_month_title"
down_revision = "0002f_on_duty_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table): roster_month carries none of 0002f's triggers anyway.
    op.add_column("roster_month", sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                            server_default=""))
    op.add_column("roster_month", sa.Column("footer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                            server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("roster_month") as batch_op:
        batch_op.drop_column("footer")
        batch_op.drop_column("title")
