"""The admin holiday table (years after the chinesecalendar package): edit and import, per-row errors."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlmodel import Session, select

from core.errors import Invalid, NotFound
from models.rosters.roster import HolidayDay, HolidayDayBase, HolidayKind
from rules.rosters.calendar import BUILTIN_LAST_YEAR
from services import audit
from services.rosters.excel import ImportRejected

KINDS = {"holiday": HolidayKind.holiday, "假": HolidayKind.holiday, "放假": HolidayKind.holiday,
         "makeup_workday": HolidayKind.makeup_workday, "班": HolidayKind.makeup_workday,
         "上班": HolidayKind.makeup_workday, "调休上班": HolidayKind.makeup_workday}


def list_days(*, session: Session, year: int | None = None) -> list[HolidayDay]:
    q = select(HolidayDay)
    if year is not None:
        q = q.where(HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31))
    return list(session.exec(q.order_by(HolidayDay.day)))


def _check(day: date) -> None:
    if day.year <= BUILTIN_LAST_YEAR:
        raise Invalid(f"{day.year} comes from the chinesecalendar package (up to {BUILTIN_LAST_YEAR}); "
                      "the table is for later years", field="day")


def put_day(*, session: Session, data: HolidayDayBase, actor: str) -> HolidayDay:
    """Add or change one date."""
    _check(data.day)
    row = session.get(HolidayDay, data.day)
    before = audit.jsonable(row)
    row = row or HolidayDay(day=data.day, kind=data.kind)
    row.kind, row.name, row.created_by = data.kind, data.name, actor
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="update" if before else "create", entity="holiday",
                 entity_id=data.day.isoformat(), before=before, after=row)
    return row


def delete_day(*, session: Session, day: date, actor: str) -> None:
    row = session.get(HolidayDay, day)
    if row is None:
        raise NotFound(f"{day} is not in the holiday table", field="day")
    before = audit.jsonable(row)
    session.delete(row)
    session.flush()
    audit.record(session=session, actor=actor, action="delete", entity="holiday", entity_id=day.isoformat(),
                 before=before)


def import_text(*, session: Session, text: str, actor: str) -> int:
    """CSV lines `date,kind,name` (kind: holiday/makeup_workday or 假/班); all rows or none."""
    problems, rows = [], []
    for n, rec in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not rec or not "".join(rec).strip() or rec[0].strip().lower() in ("date", "日期"):
            continue
        try:
            day = date.fromisoformat(rec[0].strip())
        except ValueError:
            problems.append({"row": n, "column": "date", "msg": f"{rec[0]!r} is not a date (YYYY-MM-DD)"})
            continue
        kind = KINDS.get(rec[1].strip() if len(rec) > 1 else "")
        if kind is None:
            problems.append({"row": n, "column": "kind", "msg": "kind must be holiday/makeup_workday (假/班)"})
            continue
        if day.year <= BUILTIN_LAST_YEAR:
            problems.append({"row": n, "column": "date", "msg": f"{day.year} is covered by the package"})
            continue
        if kind is HolidayKind.makeup_workday and day.weekday() < 5:
            problems.append({"row": n, "column": "kind", "msg": f"{day} is a weekday: it cannot be a make-up workday"})
            continue
        rows.append(HolidayDayBase(day=day, kind=kind, name=rec[2].strip() if len(rec) > 2 else ""))
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise Invalid("the file has no rows", field="file")
    for r in rows:
        put_day(session=session, data=r, actor=actor)
    return len(rows)
