"""The import report: per-row problems in zh-CN, header mapping, validation messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pydantic import ValidationError

from services.directory.columns import IGNORED, PHONE_REASON, CellError, Column, norm
from services.directory.sheet import Formula, Sheet, unguard

HEADER_ROW = 1


@dataclass
class RowError:
    row: int  # as the user sees it in the spreadsheet; 1 is the header
    field: str  # the column's English key (or the header text for unknown columns)
    reason: str  # zh-CN
    column: str = ""  # the header as written in the file
    value: str = ""


@dataclass
class RowResult:
    """What a good row did (or, in a dry run, would do): created, updated or unchanged, and why, when it matters."""

    row: int
    action: str  # "create", "update" or "unchanged"
    name: str
    unit: str = ""  # the unit's name (people)
    note: str = ""  # "中文 (English)": how the row was matched, when that is not plain


@dataclass
class ImportReport:
    kind: str  # "units" or "people"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        """What was written (in a dry run: what would be). A refused file wrote nothing: 0 each, and what its good
        rows would have done under names that cannot be read as done (would_create …)."""
        if not self.ok:
            return {"kind": self.kind, "rows": self.rows, "created": 0, "updated": 0, "unchanged": 0,
                    "dry_run": self.dry_run, "would_create": self.created, "would_update": self.updated,
                    "would_leave_unchanged": self.unchanged}
        return {"kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "dry_run": self.dry_run}

    def as_dict(self) -> dict:
        return {**self.counts(), "ok": self.ok, "errors": [asdict(e) for e in self.errors],
                "results": [asdict(r) for r in self.results]}


@dataclass
class Row:
    """One data row: its number, the parsed cells of the columns present, and its raw text."""

    number: int
    values: dict[str, object]
    raw: dict[str, str]


def map_header(sheet: Sheet, columns: tuple[Column, ...], report: ImportReport) -> dict[str, int]:
    """Column key -> index; unknown, duplicate and missing required columns go into the report."""
    found: dict[str, int] = {}
    for i, text in enumerate(sheet.header):
        key = norm(text)
        if not key:
            if any(i < len(cells) and cells[i] for _, cells in sheet.rows):
                report.errors.append(RowError(HEADER_ROW, f"#{i + 1}", f"第 {i + 1} 列有数据但没有列名"))
            continue
        if key in IGNORED:
            continue
        col = next((c for c in columns if key in c.names), None)
        if col is None:
            report.errors.append(RowError(HEADER_ROW, text, f"未知的列 {text!r}", text))
        elif col.key in found:
            report.errors.append(RowError(HEADER_ROW, col.key, f"列 {text!r} 重复出现", text))
        else:
            found[col.key] = i
    for col in columns:
        if col.required and col.key not in found:
            report.errors.append(RowError(HEADER_ROW, col.key, f"缺少必需的列：{col.zh}（{col.key}）", col.zh))
    return found


def parse_rows(sheet: Sheet, columns: tuple[Column, ...], index: dict[str, int], report: ImportReport) -> list[Row]:
    """Each data row's present cells parsed by its column; unreadable cells go into the report."""
    out = []
    by_key = {c.key: c for c in columns}
    for number, cells in sheet.rows:
        raw = {k: unguard(cells[i]) if i < len(cells) else "" for k, i in index.items()}
        values: dict[str, object] = {}
        for key, text in raw.items():
            col = by_key[key]
            if isinstance(cells[index[key]] if index[key] < len(cells) else "", Formula):
                report.errors.append(RowError(number, key, "不能是公式，请填写内容本身", header_of(sheet, index, key),
                                              str(text)))
                continue
            if col.required and not text:
                report.errors.append(RowError(number, key, "必填，不能为空", header_of(sheet, index, key)))
                continue
            try:
                values[key] = col.parse(text)
            except CellError as exc:
                report.errors.append(RowError(number, key, str(exc), header_of(sheet, index, key), text))
        out.append(Row(number, values, raw))
    report.rows = len(out)
    return out


def tidy(report: ImportReport, header: list[str], index: dict[str, int]) -> None:
    """One error per row and field (the first), in row order, each with its column as written."""
    seen, kept = set(), []
    for e in report.errors:
        if (e.row, e.field) not in seen:
            seen.add((e.row, e.field))
            if not e.column and e.field in index:
                e.column = header[index[e.field]]
            kept.append(e)
    report.errors = sorted(kept, key=lambda e: (e.row, index.get(e.field, -1)))


def header_of(sheet: Sheet, index: dict[str, int], key: str) -> str:
    return sheet.header[index[key]] if key in index else key


REASONS = {
    "string_too_short": "必填，不能为空",
    "missing": "必填，不能为空",
    "int_parsing": "应为整数",
    "enum": "取值无效",
    "uuid_parsing": "引用无效",
}


def validation_errors(exc: ValidationError, row: Row, rename: dict[str, str] | None = None) -> list[RowError]:
    """A model's validation errors as zh-CN row errors (field names as the file's columns)."""
    out = []
    for e in exc.errors():
        name = str(e["loc"][0]) if e["loc"] else "row"
        name = (rename or {}).get(name, name)
        out.append(RowError(row.number, name, _reason(name, e), value=row.raw.get(name, "")))
    return out


def _reason(name: str, e: dict) -> str:
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind == "string_too_long":
        return f"超过最大长度 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        if name == "code":
            return "代码只能包含英文字母、数字、下划线、点和连字符"
        return PHONE_REASON
    if kind == "value_error" and name == "email":
        return "邮箱格式不正确"
    if kind == "value_error" and name in ("mobile", "office_phone", "duty_phone"):
        return PHONE_REASON
    return REASONS.get(kind, e.get("msg", "无效"))
