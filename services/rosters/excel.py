"""Excel export in the usual 值班表 layout (日期, 星期, 带班领导, 值班员, 联系电话, custom posts, 备注), and the
storage of an imported month; reading offices' files is `services.rosters.imports`."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from core.errors import Invalid
from core.tables import OutSheet, write
from models.rosters.roster import RosterMonth, RosterStatus
from models.types import utcnow
from rules.rosters.explain import Assignment
from services import audit
from services.access import Actor
from services.rosters.gaps import refresh_month
from services.rosters.generate import month_row, parse_month
from services.rosters.store import SlotWriter, delete_range
from services.rosters.views import month_view

WEEKDAYS = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
PHONES = "联系电话"
NOTE = "备注"


class ImportRejected(Invalid):
    """A file with problems: every problem is listed (sheet, row, column, zh-CN) and nothing is written."""

    def __init__(self, problems: list[dict], preview=None) -> None:
        super().__init__(f"文件有 {len(problems)} 处问题，未导入任何内容", field="file")
        self.problems = problems
        self.preview = preview

    def as_detail(self, where: str = "body") -> list[dict]:
        return [{"loc": ["file", f"row {p['row']}", p["column"]], "msg": p.get("text") or p["msg"], "type": "Invalid",
                 "sheet": p.get("sheet", ""), "cell": p.get("cell", "")} for p in self.problems]


def export_month(*, session: Session, unit_id: uuid.UUID, month: str, tz: str, by: Actor) -> bytes:
    """The unit-month as an .xlsx file."""
    return export_month_file(session=session, unit_id=unit_id, month=month, tz=tz, by=by)[1]


def export_month_file(*, session: Session, unit_id: uuid.UUID, month: str, tz: str, by: Actor) -> tuple[str, bytes]:
    """(the download's name, 值班表-高观镇-2026-12.xlsx; the .xlsx bytes), columns as wide as their content."""
    view = month_view(session=session, unit_id=unit_id, month=month, tz=tz, by=by)
    posts = view["posts"]
    labels = [p["label"] for p in posts]
    y, m = month.split("-")
    notes = view.get("notes", {})
    rows = []
    for d in view["days"]:
        cells = ["、".join(x["name"] for x in d.posts.get(p["name"], [])) for p in posts]
        # Whose phone each is, as the print page pairs them (带班领导 then 值班员), each phone exactly as stored; a
        # person without a mobile leaves nothing behind (no "张建国 " with its trailing space)
        phones = "、".join(f"{x['name']} {x['mobile']}" for p in posts[:2] for x in d.posts.get(p["name"], [])
                          if x["mobile"])
        rows.append([d.day, WEEKDAYS[d.day.weekday()], *cells[:2], phones, *cells[2:], notes.get(d.day, "")])
    data = write(OutSheet(month, ["日期", "星期", *labels[:2], PHONES, *labels[2:], NOTE], rows,
                          caption=view.get("title") or
                          f"{view['unit']['name']}{y}年{int(m)}月值班表（值班电话：{view['unit']['duty_phone']}）",
                          footer=view.get("footer", "")),
                 "xlsx")
    return f"值班表-{view['unit']['name']}-{month}.xlsx", data


def store_month(session: Session, unit_id: uuid.UUID, month: str, policy, out: list[Assignment], actor: str,
                tz: str, also: str = "") -> RosterMonth:
    """Replace the unit-month's slots with `out` (in their order), audited (`also` appended to the entry's note,
    such as what happened to the month's 备注), and refresh its gaps."""
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
                 before=before, after=row, note=f"{month}：从文件导入{row.slots}个班次" + (f"；{also}" if also else ""))
    refresh_month(session=session, unit_id=unit_id, month=month, tz=tz)
    return row
