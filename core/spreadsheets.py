"""Reading the spreadsheets offices send: .xlsx (Excel, WPS), legacy .xls / WPS .et, and .csv, with limits.

One reader for every import: `python-calamine` (a Rust reader) parses .xlsx, .xls and WPS files alike and
reports merged ranges; `openpyxl` stays for writing. The kind is told from the bytes, not the file name (WPS
and mail clients rename files). Before anything is parsed, the file's size, each zip member's uncompressed
size and compression ratio, and every sheet's cell area are checked from the zip's directory and a
streaming scan of the cell references, so a zip bomb or a sheet whose one cell sits at XFD1048576 is refused
with a zh-CN reason without being expanded. A legacy .xls / WPS .et is checked the same way from its BIFF cell records (`olefile` opens the compound
file). Reading is CPU-bound and blocking: the web layer runs it in a
worker process of its parse pool (`web/parsing.py`), never in the web process.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import olefile
import python_calamine as pc

from core.errors import Invalid

Cell = str | int | float | bool | date | datetime | None
XLSX_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, WPS .et
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')
# BIFF8 records that place one cell (row, column first) and those that place a run (MULRK, MULBLANK).
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
_BIFF_RUNS = {0x00BD, 0x00BE}
_BIFF_EOF = 0x000A


@dataclass(frozen=True)
class Limits:
    """What one uploaded spreadsheet may be. Defaults fit a county's year of rosters many times over."""

    max_bytes: int = 5 * 1024 * 1024
    max_uncompressed: int = 50 * 1024 * 1024  # all zip members together, expanded
    max_ratio: int = 100  # expanded / compressed, per member (ordinary xlsx: 5-20)
    max_cells: int = 500_000  # rows x columns of all sheets together
    max_sheets: int = 50


@dataclass
class Sheet:
    """One sheet: `rows[r][c]` (0-based, from the sheet's A1), merged ranges as (r1, c1, r2, c2) inclusive."""

    name: str
    rows: list[list[Cell]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


class SpreadsheetRejected(Invalid):
    """The file cannot be read, or is larger than the limits allow; nothing of it is used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="file")


# What else people upload by mistake (a scan saved as PDF and renamed .xlsx, a photo of the roster): told apart
# by their first bytes, so that they are refused by name instead of being read as a CSV of gibberish.
NOT_SHEETS = (
    (b"%PDF", "PDF 文档"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"), (b"{\\rtf", "RTF 文档"),
    (b"<!DOCTYPE html", "网页（HTML）"), (b"<html", "网页（HTML）"), (b"%!PS", "PostScript 文档"),
)
NOT_A_SHEET = "文件不是 Excel 表格（{what}）：请上传 .xlsx、.xls（WPS .et）或 .csv 表格文件"


def kind_of(data: bytes) -> str:
    """'xlsx', 'xls' or 'csv', from the content (never the file's name); SpreadsheetRejected, saying what the
    file is instead, for anything else: a PDF renamed .xlsx, an image, binary that is not text."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(CFB_MAGIC):
        return "xls"
    head = data[:8192]
    for magic, what in NOT_SHEETS:
        if head.lstrip()[: len(magic)].lower() == magic.lower():
            raise SpreadsheetRejected(NOT_A_SHEET.format(what=f"内容是{what}"))
    if not _looks_like_text(head):
        raise SpreadsheetRejected(NOT_A_SHEET.format(what="也不是 CSV 文本"))
    return "csv"


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 or GB18030 text with no NUL and (almost) no control characters: what a CSV is."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        text = head.decode(encoding, errors="replace")[:-2]  # the cut may fall inside the last character
        bad = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\r\n\f"))
        if bad <= len(text) // 200:
            return True
    return False


EXCEL_NAMES = (".xlsx", ".xlsm", ".xls", ".et")
TEXT_SHEET = "text"  # the one sheet of a text file whose name says Excel (said as such, never as "the CSV file")
# What some systems save as ".xls": a web page's table, or Excel 2003's XML; refused by name with what to do.
_MARKUP = re.compile(rb"^\s*<(?:!doctype\s+html|html|table|meta|head|body|\?xml)", re.I)
NOT_EXCEL_MARKUP = ("这个文件不是 Excel 表格（内容是{what}，有的系统导出的 .xls 就是这样）：请用 Excel 或 WPS 打开后"
                    "另存为 .xlsx 或 .csv，再上传")


def read_workbook(data: bytes, limits: Limits = Limits(), name: str | None = None) -> list[Sheet]:
    """Every sheet of the file (a CSV is one sheet named 'csv'; text under an Excel name is one named TEXT_SHEET);
    SpreadsheetRejected with a zh-CN reason. `name`, the file's name, only says what the user thinks it is."""
    if not data:
        raise SpreadsheetRejected("文件为空")
    if len(data) > limits.max_bytes:
        raise SpreadsheetRejected(f"文件大于 {limits.max_bytes // (1024 * 1024)} MB")
    excel_name = bool(name) and name.lower().endswith(EXCEL_NAMES)
    if excel_name and _MARKUP.match(data[:4096].removeprefix(b"\xef\xbb\xbf")):
        xml = data[:4096].lstrip().removeprefix(b"\xef\xbb\xbf").lower().startswith(b"<?xml")
        raise SpreadsheetRejected(NOT_EXCEL_MARKUP.format(what="Excel 2003 XML 文本" if xml else "网页 HTML"))
    kind = kind_of(data)
    if kind == "csv":
        sheet = _csv_sheet(data, limits)
        if excel_name:
            sheet.name = TEXT_SHEET
        return [sheet]
    if kind == "xlsx":
        _check_zip(data, limits)
    else:
        _check_biff(data, limits)
    return _calamine_sheets(data, limits)


def check_xlsx(data: bytes, limits: Limits = Limits()) -> None:
    """For a reader other than calamine's (openpyxl): refuse a zip bomb before anything is expanded."""
    _check_zip(data, limits)


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb from the zip's directory and a streaming scan, before calamine expands anything."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetRejected("不是有效的 Excel 文件（压缩包已损坏）") from exc
    names = {m.filename for m in members}
    if "word/document.xml" in names:
        raise SpreadsheetRejected(NOT_A_SHEET.format(what="内容是 Word 文档"))
    if "ppt/presentation.xml" in names:
        raise SpreadsheetRejected(NOT_A_SHEET.format(what="内容是 PowerPoint 演示文稿"))
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise SpreadsheetRejected(f"文件压缩比异常（{m.filename} 解压后是压缩时的 "
                                      f"{m.file_size // max(m.compress_size, 1)} 倍），疑似压缩炸弹，已拒绝")
    if total > limits.max_uncompressed:
        raise SpreadsheetRejected(f"文件解压后大于 {limits.max_uncompressed // (1024 * 1024)} MB，已拒绝")
    cells = 0
    for m in members:
        if not (m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")):
            continue
        try:
            cells += _sheet_area(zf, m, limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            # e.g. a member that inflates past its declared size (a bomb that lies in its directory): the read
            # stops at the declared size and the checksum then fails
            raise SpreadsheetRejected(f"不是有效的 Excel 文件（{m.filename} 已损坏或与声明的大小不符），已拒绝") from exc
        if cells > limits.max_cells:
            raise SpreadsheetRejected(f"表格超过 {limits.max_cells} 个单元格，已拒绝")


def _sheet_area(zf: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> int:
    """Rows x columns a reader would allocate for the sheet, from its cell references, read in chunks.

    The declared <dimension> may lie; a dense reader allocates up to the largest row and column present.
    The read stops at the member's declared size: a member that inflates further is refused."""
    max_row = max_col = 0
    read = 0
    tail = b""
    with zf.open(member) as f:
        while chunk := f.read(1 << 20):
            read += len(chunk)
            if read > member.file_size or read > limits.max_uncompressed:
                raise SpreadsheetRejected("文件解压后的大小与声明不符，已拒绝")
            buf = tail + chunk
            for col, row in _CELL_REF.findall(buf):
                max_row = max(max_row, int(row))
                max_col = max(max_col, _col_number(col))
            tail = buf[-64:]
    return max_row * max_col


def _check_biff(data: bytes, limits: Limits) -> None:
    """The cell area of a legacy .xls / WPS .et from its cell records, before calamine allocates it.

    Like the xlsx scan: a reader allocates up to the largest row and column present (65,536 x 256 in
    BIFF8, half a gigabyte), whatever the DIMENSIONS record claims."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        stream = ole.openstream(name).read() if name else b""
    except Exception as exc:  # olefile raises several types for a damaged compound file
        raise SpreadsheetRejected("不是有效的 Excel 文件（文件结构已损坏）") from exc
    if not stream:
        raise SpreadsheetRejected("不是 Excel 97-2003 / WPS 表格文件（缺少工作簿数据）")
    cells = max_row = max_col = 0
    i, end = 0, len(stream)
    while i + 4 <= end:
        rid, size = struct.unpack_from("<HH", stream, i)
        body = i + 4
        if rid in _BIFF_CELLS and size >= 4 and body + 4 <= end:
            row, col = struct.unpack_from("<HH", stream, body)
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        elif rid in _BIFF_RUNS and size >= 6 and body + size <= end:
            row, = struct.unpack_from("<H", stream, body)
            last, = struct.unpack_from("<H", stream, body + size - 2)
            max_row, max_col = max(max_row, row + 1), max(max_col, last + 1)
        elif rid == _BIFF_EOF:
            cells, max_row, max_col = cells + max_row * max_col, 0, 0
            if cells > limits.max_cells:
                raise SpreadsheetRejected(f"表格超过 {limits.max_cells} 个单元格，已拒绝")
        i = body + size
    if cells + max_row * max_col > limits.max_cells:
        raise SpreadsheetRejected(f"表格超过 {limits.max_cells} 个单元格，已拒绝")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _calamine_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise SpreadsheetRejected("文件设有打开密码，请另存为无密码文件后再导入") from exc
    except Exception as exc:  # calamine raises several types for unreadable files; all mean the same to a clerk
        raise SpreadsheetRejected(f"无法读取该文件（{type(exc).__name__}），请确认是 Excel/WPS 表格或 CSV") from exc
    names = [m.name for m in wb.sheets_metadata if str(m.typ).endswith("WorkSheet")]
    if len(names) > limits.max_sheets:
        raise SpreadsheetRejected(f"工作表超过 {limits.max_sheets} 个，已拒绝")
    out, cells = [], 0
    for name in names:
        try:
            sheet = wb.get_sheet_by_name(name)
        except Exception as exc:
            raise SpreadsheetRejected(f"工作表“{name}”无法读取（{type(exc).__name__}）") from exc
        end = sheet.end
        cells += (end[0] + 1) * (end[1] + 1) if end else 0
        if cells > limits.max_cells:
            raise SpreadsheetRejected(f"表格超过 {limits.max_cells} 个单元格，已拒绝")
        rows = [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)] if end else []
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        if len(merged) > limits.max_cells // 10:
            raise SpreadsheetRejected(f"工作表“{name}”的合并单元格超过 {limits.max_cells // 10} 处，已拒绝")
        out.append(Sheet(name=name, rows=rows, merged=merged))
    return out


def _cell(v: Any) -> Cell:
    if v == "" or v is None:
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, time):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    if isinstance(v, str):
        return v.strip() or None
    return v


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Excel and WPS save as "CSV" on a Chinese Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpreadsheetRejected("无法识别文件编码：请保存为 Excel 文件，或 UTF-8 / GB18030 编码的 CSV") from exc


def _csv_sheet(data: bytes, limits: Limits) -> Sheet:
    text = decode_text(data)
    if "\x00" in text:
        raise SpreadsheetRejected("不是表格文件：请上传 .xlsx、.xls 或 .csv")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows, cells = [], 0
    try:  # newline="": the csv module reads CR, LF and CRLF itself (a bare CR raised csv.Error: a 500)
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            cells += len(row)
            if cells > limits.max_cells:
                raise SpreadsheetRejected(f"表格超过 {limits.max_cells} 个单元格，已拒绝")
            rows.append([v.strip() or None for v in row])
    except csv.Error as exc:
        raise SpreadsheetRejected(f"不是有效的 CSV 文件：第 {len(rows) + 1} 行无法读取") from exc
    if not any(any(v is not None for v in r) for r in rows):
        raise SpreadsheetRejected("文件中没有内容")
    return Sheet(name="csv", rows=rows)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (how a clerk names a column)."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s
