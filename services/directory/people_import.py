"""Import people (人员) from a spreadsheet: check every row, then create or update by (unit, name, mobile)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import ValidationError
from sqlmodel import Session, select

from models.directory import Person, PersonCreate, PersonUpdate, Unit
from services.directory import org
from services.directory.apply import Step, apply, count
from services.directory.columns import PERSON_COLUMNS
from services.directory.import_report import (
    ImportReport,
    Row,
    RowError,
    map_header,
    parse_rows,
    tidy,
    validation_errors,
)
from services.directory.sheet import read_sheet

FIELDS = ("name", "title", "mobile", "office_phone", "email", "dingtalk_id", "wecom_id", "feishu_id",
          "is_leading_cadre", "is_unit_head", "domain_categories")
RENAME = {"unit_id": "unit"}
UNKNOWN_UNIT = uuid.UUID(int=0)  # lets the other cells of a row with a bad unit still be checked


def import_people(*, session: Session, data: bytes, filename: str, actor: str, dry_run: bool = False) -> ImportReport:
    """Import a people file; with any bad row nothing is written and the report says why."""
    sheet = read_sheet(data, filename)
    report = ImportReport("people", dry_run=dry_run)
    index = map_header(sheet, PERSON_COLUMNS, report)
    if any(e.field in ("name", "unit") for e in report.errors):
        tidy(report, sheet.header, index)
        return report  # without names or units no row can be matched
    rows = parse_rows(sheet, PERSON_COLUMNS, index, report)
    finder = UnitFinder(session)  # also keeps the units in the session's identity map while writing
    steps = _plan(session, rows, report, finder, by_mobile="mobile" in index, actor=actor)
    count(report, steps)
    if report.ok:
        apply(session=session, report=report, steps=steps, actor=actor, filename=filename)
    tidy(report, sheet.header, index)
    return report


class UnitFinder:
    """A unit by its code, or else by its exact name when that name is unique."""

    def __init__(self, session: Session) -> None:
        units = list(session.exec(select(Unit)))
        self.by_code = {u.code: u for u in units}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        for u in units:
            self.by_name[u.name].append(u)

    def find(self, text: str) -> tuple[Unit | None, str]:
        if text in self.by_code:
            return self.by_code[text], ""
        named = self.by_name.get(text, [])
        active = [u for u in named if u.active] or named
        if len(active) == 1:
            return active[0], ""
        if active:
            return None, f"单位名称 {text!r} 对应多个单位，请改填单位代码"
        return None, f"单位 {text!r} 不存在（请填单位代码或完整名称）"


def _plan(session: Session, rows: list[Row], report: ImportReport, finder: UnitFinder, *, by_mobile: bool,
          actor: str) -> list[Step]:
    people: dict[tuple, list[Person]] = defaultdict(list)
    for p in session.exec(select(Person)):
        people[_key(p.unit_id, p.name, p.mobile, by_mobile)].append(p)
    first_row: dict[tuple, int] = {}
    steps = []
    for row in rows:
        unit, problem = finder.find(row.raw.get("unit", "")) if row.raw.get("unit") else (None, "")
        if problem:
            report.errors.append(RowError(row.number, "unit", problem, value=row.raw["unit"]))
        name = row.values.get("name")
        if unit is None or not isinstance(name, str):
            _check(row, None, UNKNOWN_UNIT, report)  # still report the row's other problems
            continue
        key = _key(unit.id, name, str(row.values.get("mobile", "")), by_mobile)
        if key in first_row:
            report.errors.append(RowError(row.number, "name", f"与第 {first_row[key]} 行重复（同一单位、姓名、手机）",
                                          value=name))
            continue
        first_row[key] = row.number
        matches = [p for p in people.get(key, []) if p.active] or people.get(key, [])
        if len(matches) > 1:
            report.errors.append(RowError(row.number, "name", f"系统中有 {len(matches)} 条同单位、同姓名、同手机的"
                                          "人员记录，无法确定更新哪一条，请先在人员页面处理", value=name))
            continue
        step = _step(session, row, matches[0] if matches else None, unit.id, report, actor)
        if step is not None:
            steps.append(step)
    return steps


def _key(unit_id, name: str, mobile: str, by_mobile: bool) -> tuple:
    return (unit_id, name, mobile) if by_mobile else (unit_id, name)


def _check(row: Row, person: Person | None, unit_id: uuid.UUID, report: ImportReport) -> PersonCreate | None:
    base = {k: getattr(person, k) for k in (*FIELDS, "unit_id")} if person else {}
    given = {k: v for k, v in row.values.items() if k in FIELDS}
    try:
        return PersonCreate.model_validate({**base, **given, "unit_id": unit_id})
    except ValidationError as exc:
        report.errors.extend(validation_errors(exc, row, RENAME))
        return None


def _step(session, row: Row, person: Person | None, unit_id: uuid.UUID, report: ImportReport,
          actor: str) -> Step | None:
    checked = _check(row, person, unit_id, report)
    if checked is None:
        return None
    if person is None:
        return Step(row.number, "create", lambda: org.create_person(session=session, data=checked, actor=actor),
                    RENAME)
    given = [k for k in row.values if k in FIELDS]
    changes = {k: getattr(checked, k) for k in given if getattr(checked, k) != getattr(person, k)}
    if not person.active:
        changes["active"] = True  # listed in the file again: back in use
    if not changes:
        return Step(row.number, "unchanged", lambda: None, RENAME)
    return Step(row.number, "update", lambda: org.update_person(
        session=session, person_id=person.id, data=PersonUpdate(**changes), actor=actor), RENAME)
