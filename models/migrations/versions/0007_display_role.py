"""accounts: the wall display's read-only role (值班大屏)

Revision ID: 0007_display_role
Revises: 0006b_audit_key
"""

from alembic import op

revision = "0007_display_role"
down_revision = "0006b_audit_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL keeps the role as a native enum type (ADD VALUE runs inside a transaction since PostgreSQL 12,
    # as long as the value is not used in it); SQLite stores the name as text with no constraint.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'display'")


def downgrade() -> None:
    op.execute("DELETE FROM \"user\" WHERE role = 'display'")  # PostgreSQL cannot drop an enum value
