"""audit: an entry's number (audit_entry.seq) is never used twice on SQLite (AUTOINCREMENT)

SQLite gives a new row the largest rowid + 1, so after the newest entries were deleted by hand the next ones took
their numbers: verify said "链位置 610 的记录被删除" while the list showed a new #610 right under it. With
AUTOINCREMENT SQLite remembers the highest number ever given (sqlite_sequence) and never gives it again, as a
PostgreSQL identity never does. The table is rebuilt once (rows, hashes and indexes kept as they are); it starts
counting after the largest number and the largest chain position it holds.

Revision ID: 0007s_audit_numbers
Revises: 0006c_check_mac
"""

from alembic import op

revision = "0007s_audit_numbers"
down_revision = "0006c_check_mac"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: an identity column never hands a number out twice
    with op.batch_alter_table("audit_entry", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass
    op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_entry', 0 WHERE NOT EXISTS "
               "(SELECT 1 FROM sqlite_sequence WHERE name = 'audit_entry')")
    op.execute("UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(max(seq), max(coalesce(chain_pos, 0))), 0) "
               "FROM audit_entry)) WHERE name = 'audit_entry'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("audit_entry", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
