"""Tables leaving the system as CSV or Excel: one formula guard for every writer.

A cell that starts with = + - @, a tab or a carriage return is run as a formula by Excel and LibreOffice when a
CSV opens (CSV injection: `=HYPERLINK(...)`, `@SUM(...)`, `-2+3`, a tab before `=`). Every CSV writer uses
`csv_bytes`, which puts an apostrophe before such a cell (shown as text, and `unguard` takes it off again on
import); every .xlsx writer calls `no_formulas`, so a typed "=..." stays a string cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """The value as a cell that cannot run: text starting like a formula gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def unguard(value: str) -> str:
    """Undo `formula_safe` (for files exported here and imported again)."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START and value[1:2] else value


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a BOM (what Chinese Excel opens cleanly), every cell through the formula guard."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([formula_safe(v) for v in header])
    writer.writerows([[formula_safe(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def no_formulas(worksheet) -> None:
    """Mark every string cell of an openpyxl worksheet as a value: openpyxl stores "=..." as a formula."""
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
