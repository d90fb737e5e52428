"""audit log: the id of the HMAC key that sealed each entry

Chains sealed before keys (key_id NULL) are re-sealed under the deployment's key by the first seal after the
upgrade, once they verify (services/audit/chain.py, rekey).

Revision ID: 0006b_audit_key
Revises: 0006_audit_seal
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006b_audit_key"
down_revision = "0006_audit_seal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("key_id")
