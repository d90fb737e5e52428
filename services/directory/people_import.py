"""Import people (人员) from a spreadsheet: check every row, then create or update the person each row is.

A row is an existing person when it has their unit and name and no other mobile, or their name and mobile in
another unit (moved); a same name alone never merges two people. The report says per row what happened."""

from __future__ import annotations

import uuid
from collections import defaultdict

from pydantic import ValidationError
from sqlmodel import Session, select

from models.directory import Person, PersonCreate, PersonUpdate, Unit
from rules.directory import same_phone
from services.directory import org
from services.directory.apply import Step, apply, count
from services.directory.columns import PERSON_COLUMNS
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

FIELDS = ("name", "title", "mobile", "office_phone", "email", "dingtalk_id", "wecom_id", "feishu_id",
          "is_leading_cadre", "is_unit_head", "domain_categories")
RENAME = {"unit_id": "unit"}
UNKNOWN_UNIT = uuid.UUID(int=0)  # lets the other cells of a row with a bad unit still be checked


def import_people(*, session: Session, data: bytes, filename: str, actor: str, dry_run: bool = False,
                  sheet: Sheet | None = None) -> ImportReport:
    """Import a people file; with any bad row nothing is written and the report says why.
    `sheet`: the file already read (`read_sheet`; the web reads it in a parse worker process)."""
    sheet = sheet if sheet is not None else read_sheet(data, filename)
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
    """Match each row to a person: the same name in the same unit is that person unless the mobiles differ; the
    same name and mobile elsewhere is that person moved. A same name alone is never the same person."""
    people = list(session.exec(select(Person)))
    by_unit_name: dict[tuple, list[Person]] = defaultdict(list)
    by_name: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        by_unit_name[(p.unit_id, p.name)].append(p)
        by_name[p.name].append(p)
    unit_names = {u.id: u.name for u in finder.by_code.values()}
    first_row: dict[tuple, int] = {}  # a new person's (unit, name, mobile) -> its row
    matched_row: dict[uuid.UUID, int] = {}  # an existing person -> the row that matched them
    steps = []
    for row in rows:
        unit, problem = finder.find(row.raw.get("unit", "")) if row.raw.get("unit") else (None, "")
        if problem:
            report.errors.append(RowError(row.number, "unit", problem, value=row.raw["unit"]))
        name = row.values.get("name")
        if unit is None or not isinstance(name, str):
            _check(row, None, UNKNOWN_UNIT, report)  # still report the row's other problems
            continue
        mobile = str(row.values.get("mobile") or "") if by_mobile else ""
        person, note, problem = _match(name, unit.id, mobile, by_unit_name, by_name, unit_names)
        if problem:
            report.errors.append(RowError(row.number, "name", problem, value=name))
            continue
        if person is None:
            key = (unit.id, name, mobile)
            if key in first_row:
                report.errors.append(RowError(row.number, "name", f"与第 {first_row[key]} 行重复（同一单位、姓名、手机）",
                                              value=name))
                continue
            first_row[key] = row.number
        else:
            if person.id in matched_row:
                report.errors.append(RowError(row.number, "name", f"与第 {matched_row[person.id]} 行是同一人"
                                              f"（{unit_names.get(person.unit_id, '')}的{name}），请合并为一行", value=name))
                continue
            matched_row[person.id] = row.number
        step = _step(session, row, person, unit.id, report, actor, keep_mobile=bool(person and not mobile))
        if step is not None:
            step.result = RowResult(row.number, step.action, name, unit.name, note)
            step.result_unit = unit.id
            steps.append(step)
    _note_namesakes_in_file(steps)
    return steps


def _note_namesakes_in_file(steps: list[Step]) -> None:
    """A new person whose name another row of the file also gives is said to be another person, not merged."""
    rows: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        rows[step.result.name].append(step)
    for same in rows.values():
        for step in same:
            if step.action != "create" or step.result.note:
                continue
            other = next((o for o in same if o is not step), None)
            if other is None:
                continue
            if other.result_unit == step.result_unit:
                step.result.note = (f"与第 {other.row} 行同单位同名，手机号不同，按另一人新建 "
                                    f"(same name and unit as row {other.row}, another mobile: another person)")
            else:
                step.result.note = (f"与第 {other.row} 行（{other.result.unit}）同名，不是同一人，按新人员新建 "
                                    f"(same name as row {other.row}, in another unit: another person)")


def _match(name: str, unit_id: uuid.UUID, mobile: str, by_unit_name: dict, by_name: dict,
           unit_names: dict) -> tuple[Person | None, str, str]:
    """(the existing person, a note on how, a problem): None for a new person."""
    here = _active_first(by_unit_name.get((unit_id, name), []))
    if mobile:
        same = [p for p in here if same_phone(p.mobile, mobile)]
        if len(same) > 1:
            return None, "", (f"系统中有 {len(same)} 条同单位、同姓名、同手机的人员记录，无法确定更新哪一条，"
                              "请先在人员页面处理")
        if same:
            return same[0], "", ""
        blank = [p for p in here if not p.mobile]
        if len(blank) == 1:
            return blank[0], "按同单位同名匹配，补填手机号 (matched by name in this unit; mobile added)", ""
        if len(blank) > 1:
            return None, "", f"本单位有 {len(blank)} 位未填手机号的“{name}”，无法确定是哪一位，请先在人员页面处理"
        moved = _active_first([p for p in by_name.get(name, []) if p.unit_id != unit_id
                               and same_phone(p.mobile, mobile)])
        if len(moved) == 1:
            was = unit_names.get(moved[0].unit_id, "")
            return moved[0], f"同名同手机，视为同一人，单位由{was}调整至本单位 (same name and mobile: moved here)", ""
        if here:
            return None, (f"本单位已有同名人员（手机 {masked_mobile(here[0].mobile)}），手机号不同，按另一人新建 "
                          "(same name in this unit with another mobile: created as another person)"), ""
    else:
        if len(here) > 1:
            return None, "", f"本单位有 {len(here)} 位“{name}”，请填写手机号以区分"
        if here:
            return here[0], "", ""
    elsewhere = sorted({unit_names.get(p.unit_id, "") for p in by_name.get(name, []) if p.unit_id != unit_id})
    if elsewhere:
        return None, (f"{'、'.join(elsewhere)}另有同名人员，不是同一人，按新人员新建 "
                      "(same name in another unit: created as another person)"), ""
    return None, "", ""


def _active_first(people: list[Person]) -> list[Person]:
    return [p for p in people if p.active] or people


def masked_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else mobile


def _check(row: Row, person: Person | None, unit_id: uuid.UUID, report: ImportReport) -> PersonCreate | None:
    base = {k: getattr(person, k) for k in (*FIELDS, "unit_id")} if person else {}
    given = {k: v for k, v in row.values.items() if k in FIELDS}
    try:
        return PersonCreate.model_validate({**base, **given, "unit_id": unit_id})
    except ValidationError as exc:
        report.errors.extend(validation_errors(exc, row, RENAME))
        return None


def _step(session, row: Row, person: Person | None, unit_id: uuid.UUID, report: ImportReport,
          actor: str, keep_mobile: bool = False) -> Step | None:
    checked = _check(row, person, unit_id, report)
    if checked is None:
        return None
    if person is None:
        return Step(row.number, "create", lambda: org.create_person(session=session, data=checked, actor=actor),
                    RENAME)
    given = [k for k in row.values if k in FIELDS and not (k == "mobile" and keep_mobile)]  # a blank cell keeps it
    changes = {k: getattr(checked, k) for k in given if getattr(checked, k) != getattr(person, k)}
    if person.unit_id != unit_id:
        changes["unit_id"] = unit_id  # matched by name and mobile in another unit: moved here
    if not person.active:
        changes["active"] = True  # listed in the file again: back in use
    if not changes:
        return Step(row.number, "unchanged", lambda: None, RENAME)
    return Step(row.number, "update", lambda: org.update_person(
        session=session, person_id=person.id, data=PersonUpdate(**changes), actor=actor), RENAME)
