"""Build spreadsheet uploads in memory: .xlsx via openpyxl, .csv in a chosen encoding."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

UNIT_ZH = ["单位名称", "代码", "类型", "上级单位代码", "值班电话", "地址"]
UNIT_EN = ["name", "code", "type", "parent_code", "duty_phone", "address"]
PERSON_ZH = ["姓名", "职务", "单位", "手机", "办公电话", "邮箱", "县管正职", "主要负责人", "分管领域"]
PERSON_EN = ["name", "title", "unit", "mobile", "office_phone", "email", "is_leading_cadre", "is_unit_head",
             "domain_categories"]


def xlsx(header: list, rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(header: list, rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]


def upload(name: str, data: bytes) -> dict:
    return {"file": (name, data, "application/octet-stream")}


def counts(session) -> tuple[int, int, int]:
    """(units, people, audit entries): what a rejected import must leave untouched."""
    from sqlalchemy import func
    from sqlmodel import select

    from models.audit import AuditEntry
    from models.directory import Person, Unit

    return tuple(session.exec(select(func.count()).select_from(m)).one() for m in (Unit, Person, AuditEntry))
