"""directory: phones already stored take the one stored form new ones get (rules.directory.phone_form)

Before, a phone was stored as typed (139-0000-0000, 0851-8888 6666, +86 0838 1234567), so the same number could
be written several ways and re-imports did not recognise it. A value that is no phone is left as it is; a contact
method whose new form its person already has is left too (the unique key would refuse it).

Revision ID: 0007p_phone_forms
Revises: 0006b_audit_key
"""

import sqlalchemy as sa
from alembic import op

from rules.directory import phone_form

revision = "0007p_phone_forms"
down_revision = "0006b_audit_key"
branch_labels = None
depends_on = None
COLUMNS = (("person", "mobile"), ("person", "office_phone"), ("unit", "duty_phone"))


def _form(value: str) -> str | None:
    try:
        new = phone_form(value)
    except ValueError:
        return None
    return new if new != value and len(new) <= 20 else None


def upgrade() -> None:
    conn = op.get_bind()
    for table, column in COLUMNS:
        for row_id, value in conn.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")).all():
            if (new := _form(value)) is not None:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"), {"v": new, "id": row_id})
    if not sa.inspect(conn).has_table("contact_method"):
        return  # its branch (0001b) not run yet: no contact method to normalise
    rows = conn.execute(sa.text("SELECT id, person_id, kind, value FROM contact_method"
                                " WHERE kind IN ('mobile', 'office_phone')")).all()
    taken = {(str(r.person_id), r.kind, r.value) for r in rows}
    for r in rows:
        new = _form(r.value)
        if new is not None and (str(r.person_id), r.kind, new) not in taken:
            conn.execute(sa.text("UPDATE contact_method SET value = :v WHERE id = :id"), {"v": new, "id": r.id})
            taken.add((str(r.person_id), r.kind, new))


def downgrade() -> None:
    pass  # the typed forms are not kept; the stored form is valid for the older code too
