"""audit: a verification's result is signed with the chain's key (audit_check.mac)

A row inserted into audit_check by hand showed "审计链校验通过" over a broken chain. Rows from before have no
signature and read as unsigned until the next check (nightly, or 立即校验) writes a signed one.

Revision ID: 0006c_check_mac
Revises: 0006b_audit_key
"""

import sqlalchemy as sa
from alembic import op

revision = "0006c_check_mac"
down_revision = "0006b_audit_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_check") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_check") as batch:
        batch.drop_column("mac")
