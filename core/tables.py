"""Tables leaving the system as CSV or Excel: the one writer of every export, with one formula guard and one
size limit (the import side is `core.spreadsheets`).

A cell that starts with = + - @, a tab or a carriage return is run as a formula by Excel and LibreOffice when a
CSV opens (CSV injection: `=HYPERLINK(...)`, `@SUM(...)`, `-2+3`, a tab before `=`). `write` (and `csv_bytes`)
puts an apostrophe before such a cell in a CSV (shown as text, and `unguard` takes it off again on import); in
an .xlsx the cell is stored as a string with Excel's own quote prefix (what typing a leading ' does: shown as
typed, still text after editing), so its value round-trips unchanged. An export of more than `MAX_ROWS` rows
is refused with a zh-CN reason rather than built in memory.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from core.errors import Invalid

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """The value as a cell that cannot run: text starting like a formula gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def unguard(value: str) -> str:
    """Undo `formula_safe` (for files exported here and imported again)."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START and value[1:2] else value


def csv_bytes(header: list[str], rows: Iterable[Iterable], *, caption: str = "") -> bytes:
    """UTF-8 CSV with a BOM (what Chinese Excel opens cleanly), every cell through the formula guard."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for line in caption.splitlines():
        writer.writerow([formula_safe(line)])
    writer.writerow([formula_safe(v) for v in header])
    writer.writerows([[formula_safe(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


MAX_ROWS = 200_000  # a county's years of records; Excel's own limit is 1,048,576
FORMATS = ("xlsx", "csv")
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class OutSheet:
    """One exported table."""

    name: str  # the sheet's name (xlsx)
    header: Sequence[str]
    rows: Sequence[Sequence]
    caption: str = ""  # bold line(s) above the header, across it (the 值班表's title; a second line below it)
    footer: str = ""  # lines below the table, across it (the 值班表's 值班电话：… footer)
    widths: Sequence[float] = ()  # column widths in characters; empty: fitted to the content
    as_text: bool = False  # every cell formatted as text (@): codes and phone numbers stay as typed


def write(sheet: OutSheet, fmt: str, *, field: str = "format") -> bytes:
    """The table as .xlsx or UTF-8-with-BOM CSV bytes, every cell through the formula guard."""
    if fmt not in FORMATS:
        raise Invalid(f"不支持的导出格式 {fmt!r}（支持 xlsx、csv）", field=field)
    if len(sheet.rows) > MAX_ROWS:
        raise Invalid(f"导出超过 {MAX_ROWS} 行（共 {len(sheet.rows)} 行），请缩小导出范围", field=field)
    if fmt == "csv":
        return csv_bytes(list(sheet.header), sheet.rows, caption=sheet.caption) + b"".join(
            csv_bytes([line], [])[3:] for line in sheet.footer.splitlines())  # each line a last row, without a 2nd BOM
    return _xlsx(sheet)


def _xlsx(sheet: OutSheet) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.name[:31]
    captions = sheet.caption.splitlines()
    for i, line in enumerate(captions, start=1):  # the title, then a second title row as the office wrote it
        ws.append([line])
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=max(len(sheet.header), 1))
        ws.cell(i, 1).font = Font(bold=True, size=14) if i == 1 else Font(size=11)
        ws.cell(i, 1).alignment = Alignment(horizontal="center")
    ws.append(list(sheet.header))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append(list(row))
    first = len(captions) + 1
    for row in ws.iter_rows(min_row=first):
        for cell in row:
            _guard_cell(cell, sheet.as_text)
    for i in range(1, first):
        _guard_cell(ws.cell(i, 1), sheet.as_text)
    thin = Side(style="thin", color="000000")
    for row in ws.iter_rows(min_row=first, max_col=max(len(sheet.header), 1)):
        for cell in row:  # ruled like the paper 值班表: a thin line round every cell of the table
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, col in enumerate(ws.iter_cols(min_row=first), start=0):
        width = sheet.widths[i] if i < len(sheet.widths) else \
            max(6, min(60, 2 + max(_display_width(c.value) for c in col)))
        ws.column_dimensions[col[0].column_letter].width = width
    for line in sheet.footer.splitlines():  # after the widths: a long footer does not widen column A
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=max(len(sheet.header), 1))
        _guard_cell(ws.cell(ws.max_row, 1), sheet.as_text)
    _page_setup(ws, header_row=first)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _display_width(value) -> int:
    """The widest line of a cell in Excel's character units: a Chinese character counts two, a date ten."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else str(value)
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines()), default=0)


def _page_setup(ws, *, header_row: int) -> None:
    """Printed as offices print a table: A4 landscape, one page wide (as many pages tall as it takes), the
    header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True


def _guard_cell(cell, as_text: bool) -> None:
    """A string is a value, never a formula (openpyxl stores "=..." as one); a formula-looking one is quoted."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True
    if as_text:
        cell.number_format = "@"
    elif isinstance(cell.value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(cell.value, date):
        cell.number_format = "yyyy-mm-dd"
