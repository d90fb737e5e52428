"""Export units and people in the format the import reads, so export → import changes nothing."""

from __future__ import annotations

from sqlmodel import Session

from core.errors import Invalid
from services.access import Actor
from services.directory import org
from services.directory.columns import (
    PERSON_COLUMNS,
    UNIT_COLUMNS,
    Column,
    header_label,
)
from services.directory.sheet import write_sheet

LANGS = ("zh", "en")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _check(fmt: str, lang: str) -> None:
    if fmt not in MEDIA_TYPES:
        raise Invalid(f"不支持的导出格式 {fmt!r}（支持 xlsx、csv）", field="format")
    if lang not in LANGS:
        raise Invalid(f"不支持的表头语言 {lang!r}（支持 zh、en）", field="lang")


def _table(columns: tuple[Column, ...], records: list[dict], lang: str) -> tuple[list[str], list[list[str]]]:
    header = [header_label(c, lang) for c in columns]
    return header, [[c.show(r[c.key], lang) for c in columns] for r in records]


def export_units(*, session: Session, by: Actor, fmt: str = "xlsx", lang: str = "zh") -> bytes:
    """Active units (parents first) as a unit file; a unit reporter gets their own unit only."""
    only = by.scope
    _check(fmt, lang)
    units = org.list_units(session=session, only=only)
    codes = {u.id: u.code for u in org.list_units(session=session, include_inactive=True)}
    records = [{**u.model_dump(), "parent_code": codes.get(u.parent_id, "")} for u in units]
    header, rows = _table(UNIT_COLUMNS, records, lang)
    return write_sheet(header, rows, fmt, "单位" if lang == "zh" else "units")


def export_people(*, session: Session, by: Actor, fmt: str = "xlsx", lang: str = "zh") -> bytes:
    """Active people, unit by unit, as a people file (units by code)."""
    _check(fmt, lang)
    units = org.list_units(session=session, include_inactive=True)
    order = {u.id: i for i, u in enumerate(units)}
    codes = {u.id: u.code for u in units}
    people = sorted(org.people_for(session=session, by=by),
                    key=lambda p: (order.get(p.unit_id, len(order)), p.name, p.mobile))
    records = [{**p.model_dump(), "unit": codes[p.unit_id]} for p in people]
    header, rows = _table(PERSON_COLUMNS, records, lang)
    return write_sheet(header, rows, fmt, "人员" if lang == "zh" else "people")


def export_filename(kind: str, fmt: str) -> str:
    return f"{kind}.{fmt}"
