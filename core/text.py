"""What a stored text may hold: every character except those a database or a .docx (XML) cannot keep.

NUL cannot be stored by PostgreSQL; NUL, the other C0 controls except tab, newline and carriage return, unpaired
surrogates and U+FFFE/U+FFFF cannot be written into a .docx or .xlsx, so one such value stored breaks the
report and the exports for everyone. The web refuses them (web/boundary.py); text read from files is cleaned.
"""

from __future__ import annotations

import re

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def forbidden_char(text: str) -> str | None:
    """The first character no field may hold, as U+XXXX, or None."""
    found = FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def clean(text: str) -> str:
    """The text without the characters no field may hold (for text read from files, where refusing a whole
    upload for an invisible character would help nobody)."""
    return FORBIDDEN.sub("", text)
