"""The admin holiday table (years after the chinesecalendar package): edit, import the State Council's notice as it
is published (preview first), or `date,kind,name` CSV rows; per-row errors, all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, or_, select

from core.errors import Invalid, NotFound
from models.rosters.roster import HolidayDay, HolidayDayBase, HolidayKind
from rules.rosters.calendar import BUILTIN_LAST_YEAR, DayKind, HolidayCalendar
from rules.rosters.holiday_notice import NoticeDay, parse_notice
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
    try:
        # newline="": the csv module reads CR, LF and CRLF line ends itself (a bare CR raised csv.Error: a 500)
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportRejected([{"row": 0, "column": "file", "msg": f"不是有效的 CSV 文件：{exc}"}]) from exc
    for n, rec in enumerate(records, start=1):
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


@dataclass
class NoticePreview:
    """What the notice says and what importing it would write (the console and `--dry-run` show this)."""

    year: int | None
    days: list[NoticeDay] = field(default_factory=list)  # to be written, in date order
    festivals: list[str] = field(default_factory=list)  # zh, as found
    missing: list[str] = field(default_factory=list)  # zh, festivals the notice lacks
    problems: list[str] = field(default_factory=list)  # anything here blocks the import
    notes: list[str] = field(default_factory=list)  # e.g. days of a package year, checked and left to it

    @property
    def ok(self) -> bool:
        return self.year is not None and bool(self.days) and not self.problems


def preview_notice(*, text: str, year: int | None = None) -> NoticePreview:
    """Read the notice; days of years the package covers are compared with it, never written."""
    n = parse_notice(text, year)
    out = NoticePreview(n.year, festivals=n.festivals, missing=n.missing, problems=list(n.problems))
    builtin = HolidayCalendar()
    for d in sorted(n.days, key=lambda x: x.day):
        if d.day.year <= BUILTIN_LAST_YEAR:
            info = builtin.day(d.day)
            agrees = info.is_holiday if d.kind == "holiday" else info.kind is DayKind.makeup_workday
            if not agrees:
                out.problems.append(f"{d.day.isoformat()}：与 {d.day.year} 年的内置节假日数据不一致")
            elif d.day.year == n.year:
                out.notes.append(f"{d.day.isoformat()} 已由内置数据提供")
            continue
        if d.kind == "makeup_workday" and d.day.weekday() < 5:
            out.problems.append(f"{d.day.isoformat()} 是工作日，不能作为调休上班日")
        out.days.append(d)
    if n.year is not None and n.year <= BUILTIN_LAST_YEAR:
        out.problems.append(f"{n.year} 年的节假日已由内置数据（chinesecalendar）提供，无需导入")
    return out


def import_notice(*, session: Session, text: str, actor: str, year: int | None = None) -> NoticePreview:
    """Replace the table's days of the notice's year by the notice's; refuses (Invalid) what the preview flags."""
    found = preview_notice(text=text, year=year)
    if not found.ok:
        raise Invalid("；".join(found.problems) or "通知中没有读出任何日期", field="text")
    days = [d.day for d in found.days]
    old = list(session.exec(select(HolidayDay).where(or_(
        (HolidayDay.day >= date(found.year, 1, 1)) & (HolidayDay.day <= date(found.year, 12, 31)),
        col(HolidayDay.day).in_(days)))))
    before = [audit.jsonable(r) for r in old]
    for r in old:
        session.delete(r)
    session.flush()
    for d in found.days:
        session.add(HolidayDay(day=d.day, kind=HolidayKind(d.kind), name=d.name, created_by=actor))
    session.flush()
    audit.record(session=session, actor=actor, action="import_notice", entity="holiday", entity_id=str(found.year),
                 before={"days": before}, after={"days": [(d.day.isoformat(), d.kind, d.name) for d in found.days]},
                 note=f"{found.year} 年节假日安排（国务院办公厅通知）：{len(found.days)} 天")
    return found
