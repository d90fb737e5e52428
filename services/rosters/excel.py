"""Excel import/export in the usual 值班表 layout: 日期, 星期, 带班领导, 值班员, 联系电话 (+ custom posts)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, select

from core.errors import Invalid
from models.directory import Person
from models.rosters.roster import RosterMonth, RosterStatus
from models.types import utcnow
from rules.rosters.explain import Assignment
from rules.rosters.policy import day_class
from services import audit
from services.access import Actor
from services.rosters import policy as pol
from services.rosters.calendar import load_calendar
from services.rosters.gaps import refresh_month
from services.rosters.generate import month_row, parse_month
from services.rosters.store import SlotWriter, delete_range
from services.rosters.views import month_view

WEEKDAYS = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
PHONES = "联系电话"
SPLIT = re.compile(r"[、,，/;；\s]+")


class ImportRejected(Invalid):
    """A file with problems: every row's problem is listed and nothing is written."""

    def __init__(self, problems: list[dict]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file; nothing imported", field="file")
        self.problems = problems

    def as_detail(self) -> list[dict]:
        return [{"loc": ["file", f"row {p['row']}", p["column"]], "msg": p["msg"], "type": "Invalid"}
                for p in self.problems]


def export_month(*, session: Session, unit_id: uuid.UUID, month: str, tz: str, by: Actor) -> bytes:
    """The unit-month as an .xlsx file."""
    view = month_view(session=session, unit_id=unit_id, month=month, tz=tz, by=by)
    posts = view["posts"]
    labels = [p["label"] for p in posts]
    wb = Workbook()
    ws = wb.active
    ws.title = month
    y, m = month.split("-")
    ws.append([f"{view['unit']['name']}{y}年{int(m)}月值班表（值班电话：{view['unit']['duty_phone']}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(labels) + 3)
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    ws.append(["日期", "星期", *labels[:2], PHONES, *labels[2:]])
    for d in view["days"]:
        cells = ["、".join(x["name"] for x in d.posts.get(p["name"], [])) for p in posts]
        phones = "、".join(f"{x['name']} {x['mobile']}" for p in posts[:2] for x in d.posts.get(p["name"], []))
        ws.append([d.day, WEEKDAYS[d.day.weekday()], *cells[:2], phones, *cells[2:]])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGH", (12, 8, 14, 20, 40, 14, 14, 14)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _day(value, month_first: date) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in (r"^(\d{4})-(\d{1,2})-(\d{1,2})$", r"^(\d{4})/(\d{1,2})/(\d{1,2})$", r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"):
        mt = re.match(pattern, text)
        if mt:
            try:
                return date(*(int(g) for g in mt.groups()))
            except ValueError:
                return None
    return None


def import_month(*, session: Session, unit_id: uuid.UUID, month: str, data: bytes, by: Actor,
                 tz: str) -> RosterMonth:
    """Replace the unit-month with the file's rows; any problem rejects the whole file (ImportRejected)."""
    by.check_own_unit(unit_id)
    first, last = parse_month(month)
    try:
        ws = load_workbook(io.BytesIO(data), data_only=True).active
    except Exception as exc:
        raise ImportRejected([{"row": 0, "column": "file", "msg": f"not a readable .xlsx file: {exc}"[:200]}]) from exc
    policy = pol.load_policy(session, unit_id, tz)
    posts = pol.posts_of(session, unit_id)
    pools = pol.pools_of(session, unit_id)
    by_label = {(p.label or p.name): p.name for p in posts} | {p.name: p.name for p in posts}
    people = {p.name: p for p in session.exec(select(Person).where(Person.unit_id == unit_id, Person.active))}
    rows = list(ws.iter_rows(values_only=True))
    header_at = next((i for i, r in enumerate(rows[:6]) if r and str(r[0] or "").strip() == "日期"), None)
    if header_at is None:
        raise ImportRejected([{"row": 1, "column": "日期", "msg": "header row with 日期 not found in the first 6 rows"}])
    header = [str(h or "").strip() for h in rows[header_at]]
    cols = {i: by_label[h] for i, h in enumerate(header) if h in by_label}
    problems: list[dict] = []
    missing_posts = [p.label or p.name for p in posts if p.name not in cols.values()]
    if missing_posts:
        problems.append({"row": header_at + 1, "column": "header", "msg": f"missing column(s): {'、'.join(missing_posts)}"})
    calendar = load_calendar(session=session)
    out: list[Assignment] = []
    seen: dict[date, int] = {}
    for n, r in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not r or all(v in (None, "") for v in r):
            continue
        def bad(column: str, msg: str) -> None:
            problems.append({"row": n, "column": column, "msg": msg})
        d = _day(r[0], first)
        if d is None:
            bad("日期", f"{r[0]!r} is not a date (YYYY-MM-DD)")
            continue
        if not first <= d <= last:
            bad("日期", f"{d} is outside {month}")
            continue
        if d in seen:
            bad("日期", f"{d} already given in row {seen[d]}")
            continue
        seen[d] = n
        if len(r) > 1 and r[1] and str(r[1]).strip() != WEEKDAYS[d.weekday()]:
            bad("星期", f"{d} is a {WEEKDAYS[d.weekday()]}, not {r[1]}")
        in_slot: set[str] = set()
        for i, post in cols.items():
            names = [x for x in SPLIT.split(str(r[i] or "").strip()) if x] if i < len(r) else []
            label = header[i]
            if not names and post in ("leader", "officer"):
                bad(label, f"no {label} on {d}")
            for name in names:
                p = people.get(name)
                if p is None:
                    bad(label, f"{name} is not an active member of the unit")
                elif str(p.id) not in pools.get(post, []):
                    bad(label, f"{name} is not in the pool of {label}")
                elif str(p.id) in in_slot:
                    bad(label, f"{name} holds two posts on {d}")
                else:
                    in_slot.add(str(p.id))
                    out.append(Assignment(d, 0, post, str(p.id), day_class(calendar, d).value, "import"))
    for d in (date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)):
        if d not in seen and not any(p["column"] == "日期" for p in problems):
            problems.append({"row": 0, "column": "日期", "msg": f"{d} is missing from the file"})
    if problems:
        raise ImportRejected(problems)
    return _store(session, unit_id, month, policy, out, by.name, tz)


def _store(session, unit_id, month, policy, out, actor, tz: str) -> RosterMonth:
    first, last = parse_month(month)
    row = month_row(session, unit_id, month) or RosterMonth(unit_id=unit_id, month=month)
    before = audit.jsonable(row) if row.id and row.slots else None
    delete_range(session, unit_id, first, last)
    row.slots = SlotWriter(session).write(unit_id, policy, out)
    if row.status is RosterStatus.published:
        row.version += 1
    row.generated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="import", entity="roster", entity_id=row.id, unit_id=unit_id,
                 before=before, after=row, note=f"{month}: {row.slots} slots from Excel")
    refresh_month(session=session, unit_id=unit_id, month=month, tz=tz)
    return row
