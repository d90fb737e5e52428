"""The admin holiday table (years after the chinesecalendar package): edit, import the State Council's notice as it
is published (preview first), or `date,kind,name` CSV rows; per-row errors, all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, or_, select

from core.errors import Invalid, NotFound
from core.spreadsheets import decode_text
from models.rosters.roster import HolidayDay, HolidayDayBase, HolidayKind, RosterMonth
from rules.rosters.calendar import BUILTIN_LAST_YEAR, DayKind, HolidayCalendar
from rules.rosters.holiday_notice import NoticeDay, missing_problem, parse_notice
from services import audit
from services.rosters.excel import ImportRejected
from services.rosters.gaps import refresh_month
from services.rosters.generate import month_key
from services.times import ERA, in_era

MAX_CSV_BYTES = 5 * 1024 * 1024
CSV_HINT = "每行应为“日期,假/班,名称”（如 2027-02-06,假,春节）；国务院通知全文请粘贴到“导入国务院办公厅节假日安排通知”"
NOT_CSV = "没有一行是“日期,假/班,名称”：这像是通知全文，请粘贴到“导入国务院办公厅节假日安排通知”"
KIND_ZH = {"holiday": "放假", "makeup_workday": "上班（调休）"}  # what the notice says of a day
KINDS = {"holiday": HolidayKind.holiday, "假": HolidayKind.holiday, "放假": HolidayKind.holiday,
         "makeup_workday": HolidayKind.makeup_workday, "班": HolidayKind.makeup_workday,
         "上班": HolidayKind.makeup_workday, "调休上班": HolidayKind.makeup_workday}


def list_days(*, session: Session, year: int | None = None) -> list[HolidayDay]:
    q = select(HolidayDay)
    if year is not None and not in_era(year):
        raise Invalid(f"年份 {year} {ERA}", field="year")
    if year is not None:
        q = q.where(HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31))
    return list(session.exec(q.order_by(HolidayDay.day)))


def _check(day: date) -> None:
    if day.year <= BUILTIN_LAST_YEAR:
        raise Invalid(f"{day.year} comes from the chinesecalendar package (up to {BUILTIN_LAST_YEAR}); "
                      "the table is for later years", field="day")


def put_day(*, session: Session, data: HolidayDayBase, actor: str, tz: str) -> HolidayDay:
    """Add or change one date (the stored rosters of its month checked again: recheck)."""
    row = _put(session, data, actor)
    recheck(session=session, days=[data.day], tz=tz)
    return row


def _put(session: Session, data: HolidayDayBase, actor: str) -> HolidayDay:
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


def delete_day(*, session: Session, day: date, actor: str, tz: str) -> None:
    row = session.get(HolidayDay, day)
    if row is None:
        raise NotFound(f"{day} is not in the holiday table", field="day")
    before = audit.jsonable(row)
    session.delete(row)
    session.flush()
    audit.record(session=session, actor=actor, action="delete", entity="holiday", entity_id=day.isoformat(),
                 before=before)
    recheck(session=session, days=[day], tz=tz)


def import_csv(*, session: Session, data: bytes, actor: str, tz: str) -> int:
    """A CSV file as uploaded: decoded like the roster import (UTF-8 with or without BOM, else GB18030: what Excel
    and WPS save on a Chinese Windows), then `import_text`; an undecodable or oversized file is Invalid (file).
    Callers read at most MAX_CSV_BYTES + 1 bytes."""
    if len(data) > MAX_CSV_BYTES:  # refused whole: a cut file would import its first rows only
        raise Invalid(f"文件超过 {MAX_CSV_BYTES // (1024 * 1024)} MB，未导入", field="file")
    return import_text(session=session, text=decode_text(data), actor=actor, tz=tz)


def import_text(*, session: Session, text: str, actor: str, tz: str) -> int:
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
            problems.append({"row": n, "column": "date", "msg": f"“{rec[0]}”不是日期（应为 YYYY-MM-DD，如 2027-01-01）"})
            continue
        kind = KINDS.get(rec[1].strip() if len(rec) > 1 else "")
        if kind is None:
            problems.append({"row": n, "column": "kind", "msg": "类型须为 假 或 班（holiday / makeup_workday）"})
            continue
        if day.year <= BUILTIN_LAST_YEAR:
            problems.append({"row": n, "column": "date", "msg": f"{day.year}年的节假日已内置，无需导入"})
            continue
        if kind is HolidayKind.makeup_workday and day.weekday() < 5:
            problems.append({"row": n, "column": "kind", "msg": f"{day} 是工作日，不能设为调休上班日"})
            continue
        rows.append(HolidayDayBase(day=day, kind=kind, name=rec[2].strip() if len(rec) > 2 else ""))
    undated = [p for p in problems if p["column"] == "date" and "不是日期" in p["msg"]]
    if undated and len(undated) == len(problems) and not rows:  # no line is a CSV row: the notice pasted here
        raise ImportRejected([{"row": 0, "column": "file", "msg": NOT_CSV}])
    if undated:  # said once, not on every line
        problems.insert(0, {"row": 0, "column": "file", "msg": CSV_HINT})
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise Invalid("文件没有数据行 (the file has no rows)", field="file")
    for r in rows:
        _put(session, r, actor)
    recheck(session=session, days=[r.day for r in rows], tz=tz)  # once for the file, not once a row
    return len(rows)


@dataclass(frozen=True)
class CheckedDay:
    """A day of a year the package covers, as the notice gives it (放假 or 上班), and whether the package agrees."""

    day: date
    kind: str  # "holiday" (放假) or "makeup_workday" (上班, 调休)
    name: str
    agrees: bool


@dataclass
class NoticePreview:
    """What the notice says and what importing it would write (the console and `--dry-run` show this)."""

    year: int | None
    days: list[NoticeDay] = field(default_factory=list)  # to be written, in date order
    festivals: list[str] = field(default_factory=list)  # zh, as found
    missing: list[str] = field(default_factory=list)  # zh, festivals the notice lacks
    problems: list[str] = field(default_factory=list)  # anything here blocks the import
    notes: list[str] = field(default_factory=list)  # e.g. days of a package year, checked and left to it
    checked: list[CheckedDay] = field(default_factory=list)  # the days of package years, each 放假 or 上班

    @property
    def ok(self) -> bool:
        return self.year is not None and bool(self.days) and not self.problems

    @property
    def other_problems(self) -> list[str]:
        """The problems but the missing festivals (which the console says at the top, in the page's language)."""
        said = missing_problem(self.missing) if self.missing else None
        return [p for p in self.problems if p != said]


def preview_notice(*, text: str, year: int | None = None) -> NoticePreview:
    """Read the notice; days of years the package covers are compared with it, never written."""
    n = parse_notice(text, year)
    out = NoticePreview(n.year, festivals=n.festivals, missing=n.missing, problems=list(n.problems))
    builtin = HolidayCalendar()
    for d in sorted(n.days, key=lambda x: x.day):
        if d.day.year <= BUILTIN_LAST_YEAR:
            info = builtin.day(d.day)
            agrees = info.is_holiday if d.kind == "holiday" else info.kind is DayKind.makeup_workday
            out.checked.append(CheckedDay(d.day, d.kind, d.name, agrees))
            said = KIND_ZH[d.kind]
            if not agrees:
                out.problems.append(f"{d.day.isoformat()}（通知：{said}）：与 {d.day.year} 年的内置节假日数据不一致")
            elif d.day.year == n.year:
                out.notes.append(f"{d.day.isoformat()} {said}：已由内置数据提供")
            continue
        if d.kind == "makeup_workday" and d.day.weekday() < 5:
            out.problems.append(f"{d.day.isoformat()} 是工作日，不能作为调休上班日")
        out.days.append(d)
    if n.year is not None and n.year <= BUILTIN_LAST_YEAR:
        out.problems.append(f"{n.year} 年的节假日已由内置数据（chinesecalendar）提供，无需导入")
    return out


def import_notice(*, session: Session, text: str, actor: str, tz: str, year: int | None = None
                  ) -> NoticePreview:
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
    was = {r.day: r.kind for r in old}
    now_kind = {d.day: HolidayKind(d.kind) for d in found.days}
    recheck(session=session, days=[d for d in {*was, *now_kind} if was.get(d) != now_kind.get(d)], tz=tz)
    return found


def recheck(*, session: Session, days, tz: str) -> int:
    """The stored unit-months holding these days, their gaps checked again under the calendar as it is now: a
    元旦 rostered as a workday, now a holiday, is short of its holiday head-count on the dashboard's alert (and
    /metrics) at once, not only on that unit's own page (t15's S1). Returns the gaps found."""
    months = sorted({month_key(d) for d in days})
    rows = session.exec(select(RosterMonth.unit_id, RosterMonth.month).where(col(RosterMonth.month).in_(months))
                        ) if months else []
    return sum(refresh_month(session=session, unit_id=u, month=m, tz=tz) for u, m in list(rows))
