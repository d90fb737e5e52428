"""Import units (单位) from a spreadsheet: check every row, then create or update by code."""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import ValidationError
from sqlmodel import Session, select

from models.directory import Unit, UnitCreate, UnitUpdate
from services.directory import org
from services.directory.apply import Step, apply, count
from services.directory.columns import UNIT_COLUMNS
from services.directory.import_report import (
    ImportReport,
    Row,
    RowError,
    RowResult,
    map_header,
    parse_rows,
    tidy,
    validation_errors,
)
from services.directory.sheet import Sheet, read_sheet

FIELDS = ("name", "code", "type", "duty_phone", "address", "sort_order")
RENAME = {"parent_id": "parent_code"}
PLACEHOLDER = uuid.UUID(int=0)  # stands for a parent created earlier in the same file


def import_units(*, session: Session, data: bytes, filename: str, actor: str, dry_run: bool = False,
                 sheet: Sheet | None = None) -> ImportReport:
    """Import a unit file; with any bad row nothing is written and the report says why.
    `sheet`: the file already read (`read_sheet`; the web reads it in a parse worker process)."""
    sheet = sheet if sheet is not None else read_sheet(data, filename)
    report = ImportReport("units", dry_run=dry_run)
    index = map_header(sheet, UNIT_COLUMNS, report)
    if any(e.field in ("name", "code") for e in report.errors):
        tidy(report, sheet.header, index)
        return report  # without names or codes no row can be checked
    rows = parse_rows(sheet, UNIT_COLUMNS, index, report)
    steps = _plan(session, rows, report, has_parent="parent_code" in index, actor=actor)
    count(report, steps)
    if report.ok:
        apply(session=session, report=report, steps=steps, actor=actor, filename=filename)
    tidy(report, sheet.header, index)
    return report


def _plan(session: Session, rows: list[Row], report: ImportReport, *, has_parent: bool, actor: str) -> list[Step]:
    existing = {u.code: u for u in session.exec(select(Unit))}
    by_lower = {code.lower(): code for code in existing}
    first_row: dict[str, int] = {}
    file_rows: dict[str, Row] = {}
    for row in rows:
        code = row.values.get("code")
        if not isinstance(code, str):
            continue
        if code.lower() in first_row:
            report.errors.append(RowError(row.number, "code", f"代码 {code!r} 与第 {first_row[code.lower()]} 行重复",
                                          value=code))
            continue
        first_row[code.lower()] = row.number
        if code not in existing and code.lower() in by_lower:
            report.errors.append(RowError(row.number, "code", f"代码 {code!r} 与已有单位代码 "
                                          f"{by_lower[code.lower()]!r} 仅大小写不同", value=code))
            continue
        file_rows[code] = row
    _same_names(existing, file_rows, report)
    code_by_id = {u.id: code for code, u in existing.items()}
    parents = {code: code_by_id.get(u.parent_id) for code, u in existing.items()}
    for code, row in file_rows.items():
        if has_parent:
            parents[code] = row.values.get("parent_code") or None
    depth: dict[str, int] = {}
    for code, row in file_rows.items():
        parent = parents[code]
        if parent is not None and parent not in file_rows and parent not in existing:
            report.errors.append(RowError(row.number, "parent_code", f"上级单位代码 {parent!r} 不存在", value=parent))
            continue
        d = _depth(code, parents)
        if d is None:
            report.errors.append(RowError(row.number, "parent_code", "上级单位形成循环（单位不能是自己的上级）",
                                          value=parent or ""))
            continue
        depth[code] = d
    steps = []
    for code in sorted(depth, key=lambda c: (depth[c], file_rows[c].number)):
        step = _step(session, file_rows[code], existing.get(code), existing, parents[code], has_parent, report, actor)
        if step is not None:
            step.result = RowResult(step.row, step.action, str(file_rows[code].values.get("name", "")))
            steps.append(step)
    return steps


def _same_names(existing: dict[str, Unit], file_rows: dict[str, Row], report: ImportReport) -> None:
    """Two units may not end up with one name: the file's rows against each other and the units kept as they are."""
    final = {code: u.name.strip() for code, u in existing.items() if u.active}
    for code, row in file_rows.items():
        if isinstance(row.values.get("name"), str):
            final[code] = row.values["name"].strip()
    holders: dict[str, list[str]] = defaultdict(list)
    for code, name in final.items():
        holders[name].append(code)
    for code, row in file_rows.items():
        others = [c for c in holders.get(final.get(code, ""), []) if c != code]
        if not others:
            continue
        earlier = [file_rows[c].number for c in others if c in file_rows and file_rows[c].number < row.number]
        kept = [c for c in others if c not in file_rows]
        if earlier:
            reason = f"单位名称与第 {earlier[0]} 行重复"
        elif kept:
            reason = f"已有同名单位：{final[code]}（代码 {kept[0]}）"
        else:
            continue  # the later row of the pair is the one reported
        report.errors.append(RowError(row.number, "name", reason, value=row.raw.get("name", "")))


def _depth(code: str, parents: dict[str, str | None]) -> int | None:
    seen, node = set(), code
    while node is not None:
        if node in seen:
            return None
        seen.add(node)
        node = parents.get(node)
    return len(seen) - 1


def _step(session, row: Row, unit: Unit | None, existing: dict[str, Unit], parent: str | None, has_parent: bool,
          report: ImportReport, actor: str) -> Step | None:
    base = {k: getattr(unit, k) for k in (*FIELDS, "parent_id")} if unit else {}
    given = {k: v for k, v in row.values.items() if k in FIELDS and v is not None}
    if has_parent:
        given["parent_id"] = existing[parent].id if parent in existing else (PLACEHOLDER if parent else None)
    try:
        checked = UnitCreate.model_validate({**base, **given})
    except ValidationError as exc:
        report.errors.extend(validation_errors(exc, row, RENAME))
        return None

    def parent_id():
        if not has_parent:
            return checked.parent_id
        return (existing[parent].id if parent in existing else session.exec(
            select(Unit.id).where(Unit.code == parent)).one()) if parent else None

    if unit is None:
        def run():
            org.create_unit(session=session, actor=actor, data=checked.model_copy(update={"parent_id": parent_id()}))
        return Step(row.number, "create", run, RENAME)
    changes = {k: getattr(checked, k) for k in given if getattr(checked, k) != getattr(unit, k)}
    if not unit.active:
        changes["active"] = True  # listed in the file again: back in use
    if not changes:
        return Step(row.number, "unchanged", lambda: None, RENAME)

    def run():
        update = {**changes, **({"parent_id": parent_id()} if "parent_id" in changes else {})}
        org.update_unit(session=session, unit_id=unit.id, actor=actor, data=UnitUpdate(**update))
    return Step(row.number, "update", run, RENAME)

