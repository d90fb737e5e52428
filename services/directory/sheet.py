"""Read and write one table as .xlsx or .csv (UTF-8 with or without BOM, GBK/GB18030)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from core import tables
from core.spreadsheets import check_xlsx
from core.errors import Invalid
from core.text import clean as clean_text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
FORMATS = ("xlsx", "csv")


class Unsupported(Invalid):
    """The upload is not a spreadsheet we read (415)."""

    status = 415


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the user sees it, cells)


def sniff_format(data: bytes, filename: str = "") -> str:
    """"xlsx" or "csv" from the content (the name only breaks ties); else Unsupported."""
    if not data:
        raise Invalid("文件为空", field="file")
    if len(data) > MAX_BYTES:
        raise Invalid(f"文件超过 {MAX_BYTES // 1024 // 1024} MB 上限", field="file")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unsupported("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV", field="file")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise Invalid("不是有效的 Excel (.xlsx) 文件", field="file")
    if b"\x00" in data[:4096]:
        raise Unsupported("不是电子表格文件（支持 .xlsx 和 .csv）", field="file")
    return "csv"


def read_sheet(data: bytes, filename: str = "") -> Sheet:
    """The first worksheet (or the CSV) as a header and numbered, stripped, non-blank rows."""
    fmt = sniff_format(data, filename)
    raw = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    rows = [[_text(v) for v in r] for r in raw]
    if not rows or not any(rows[0]):
        raise Invalid("文件没有表头行（第 1 行应为列名）", field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid(f"数据行超过 {MAX_ROWS} 行上限，请分批导入", field="file")
    body = [(n, cells) for n, cells in enumerate(rows[1:], start=2) if any(cells)]
    return Sheet(header=rows[0], rows=body)


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    check_xlsx(data)  # a zip bomb is refused from the zip's directory, before openpyxl expands it
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)  # a formula seen as one (Formula)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise Invalid(f"无法读取 Excel 文件：{type(exc).__name__}", field="file") from exc
    except Exception as exc:  # openpyxl raises its own InvalidFileException and friends
        raise Unsupported("不是有效的 Excel (.xlsx) 文件", field="file") from exc
    try:
        ws = wb.worksheets[0]
        return [[Formula(c.value) if c.data_type == "f" else c.value for c in r]
                for r in ws.iter_rows(max_row=MAX_ROWS + 2)]
    finally:
        wb.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unsupported("无法识别文件编码（支持 UTF-8 和 GBK）", field="file")


def _read_csv(data: bytes) -> list[list]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise Invalid(f"CSV 格式错误：{exc}", field="file") from exc


class Formula(str):
    """An .xlsx cell holding a formula (=HYPERLINK(…)): refused by name (不能是公式), never read as empty or as text."""


def _text(value) -> str:
    """A cell as the text the user typed (numbers without a trailing .0); a Formula kept as one."""
    if isinstance(value, Formula):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return clean_text(str(value)).strip()  # a NUL or control character typed into a cell is dropped


def write_sheet(header: list[str], rows: list[list[str]], fmt: str, title: str = "sheet") -> bytes:
    """One table as .xlsx bytes or UTF-8-with-BOM CSV bytes, every cell text (core.tables.write)."""
    return tables.write(tables.OutSheet(title, header, rows, as_text=True), fmt)


unguard = tables.unguard  # the import side of the export's formula guard (core/tables.py)
