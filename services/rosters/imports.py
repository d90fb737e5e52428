"""Roster import from the office's own spreadsheet: a preview of what was understood, then all or nothing.

`preview_import` reads the sheets with `rules.rosters.sheet_layout`, checks every name against the unit's
directory and pools and every day of each month, and says what an import would write; nothing is written.
`import_roster` writes it only when the preview has no problem: the months it covers are replaced, each
day's 备注 kept, people missing from the directory created first when asked (`create_missing`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, delete, select

from core.errors import Invalid
from core.spreadsheets import Sheet
from models.directory import Person, PersonCreate, Unit
from models.rosters.roster import RosterDayNote, RosterMonth
from rules.rosters.explain import Assignment
from rules.rosters.policy import day_class
from rules.rosters.sheet_cells import WEEKDAY_ZH, Named
from rules.rosters.sheet_layout import Grid, ParsedRoster, Problem, parse_roster
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol
from services.rosters.calendar import load_calendar
from services.rosters.excel import ImportRejected, store_month
from services.rosters.generate import parse_month

REQUIRED_POSTS = ("leader", "officer")  # a day without one of these is a gap, not an import


@dataclass
class Missing:
    """A name the file gives that the unit's directory lacks (created on import with `create_missing`)."""

    name: str
    post: str
    phone: str
    days: list[date] = field(default_factory=list)
    where: tuple[str, int, str, str] = ("", 0, "", "")  # sheet, row, column, header of the first mention


@dataclass
class ImportPreview:
    """What the file says and what importing it would do."""

    parsed: ParsedRoster
    months: list[str]
    posts: list[dict]  # [{name, label}]
    days: list[dict]  # [{day, weekday, posts: {post: [{name, phone, person_id, status}]}, note}]
    problems: list[Problem]
    warnings: list[Problem]
    missing: list[Missing]
    create_missing: bool

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        """The preview as JSON (API, CLI --json)."""
        def p(x: Problem) -> dict:
            return {"sheet": x.sheet, "row": x.row, "column": x.column, "header": x.header, "message": x.message,
                    "text": x.text}
        return {
            "ok": self.ok, "months": self.months, "posts": self.posts,
            "layouts": self.parsed.layouts,
            "columns": [{"sheet": c.sheet, "column": c.column, "header": c.header, "role": c.role}
                        for c in self.parsed.columns],
            "days": [{**d, "day": d["day"].isoformat()} for d in self.days],
            "problems": [p(x) for x in self.problems], "warnings": [p(x) for x in self.warnings],
            "missing": [{"name": m.name, "post": m.post, "phone": m.phone, "days": [d.isoformat() for d in m.days]}
                        for m in self.missing],
            "create_missing": self.create_missing,
        }


def _refuse_without_posts(session: Session, unit_id: uuid.UUID) -> list:
    posts = pol.posts_of(session, unit_id)
    if not posts:
        unit = pol.get_unit(session, unit_id)
        raise Invalid(f"{unit.name}尚未设置值班岗位（带班领导、值班员等）和轮换人员，导入的姓名无处可放：请先设置岗位后再导入",
                      field="unit")
    return posts


def _elsewhere(session: Session, unit_id: uuid.UUID, missing: dict, problems: list) -> None:
    """A name missing here but on another unit's list is that person, not a new one: named as a problem and
    never offered for creation (which would make a second 吴春梅)."""
    if not missing:
        return
    found = session.exec(select(Person.name, Unit.name).join(Unit, Unit.id == Person.unit_id).where(
        Person.name.in_(list(missing)), Person.unit_id != unit_id, Person.active)).all()
    units: dict[str, list[str]] = {}
    for name, unit in found:
        units.setdefault(name, []).append(unit)
    for name, where in units.items():
        m = missing.pop(name)
        problems.append(Problem(*m.where, f"“{name}”是{'、'.join(sorted(set(where)))}的人员，不在本单位通讯录中："
                                          f"请改填本单位人员，或先在通讯录中调整其所属单位"))


def preview_import(*, session: Session, unit_id: uuid.UUID, sheets: list[Sheet], by: Actor,
                   month: str | None = None, columns: dict[str, str] | None = None,
                   create_missing: bool = False) -> ImportPreview:
    """The roster as understood and checked against the unit; nothing is written."""
    by.check_own_unit(unit_id)
    posts = _refuse_without_posts(session, unit_id)
    hint = None
    if month:
        first, _ = parse_month(month)
        hint = (first.year, first.month)
    labels = {p.name: p.label or p.name for p in posts}
    parsed = parse_roster([Grid(s.name, s.rows, tuple(s.merged)) for s in sheets], post_labels=labels, month=hint,
                          columns=columns)
    problems, warnings = list(parsed.problems), list(parsed.warnings)
    months = sorted({f"{y:04d}-{m:02d}" for y, m in parsed.months.values()})
    if month and month not in months and not problems:
        problems.append(Problem(sheets[0].name if sheets else "", 0, "", "", f"文件中没有 {month} 的值班表"))
    _check_columns(parsed, posts, problems)
    _check_month_days(parsed, months, problems)
    pools = pol.pools_of(session, unit_id)
    people = list(session.exec(select(Person).where(Person.unit_id == unit_id, Person.active)))
    by_name: dict[str, list[Person]] = {}
    for person in people:
        by_name.setdefault(person.name, []).append(person)
    missing: dict[str, Missing] = {}
    days = []
    for d in parsed.days:
        row = {"day": d.day, "weekday": f"星期{WEEKDAY_ZH[d.day.weekday()]}", "note": d.note, "posts": {}}
        taken: dict[str, str] = {}
        for post in [p.name for p in posts]:
            out = []
            for n in d.posts.get(post, []):
                out.append(_match(n, post, d, labels, by_name, pools, missing, taken, problems, warnings))
            row["posts"][post] = out
            if post in REQUIRED_POSTS and not out and (months and d.day.strftime("%Y-%m") in months):
                problems.append(Problem(d.sheet, d.row, "", labels[post], f"{d.day.isoformat()} 没有{labels[post]}"))
        days.append(row)
    _elsewhere(session, unit_id, missing, problems)
    if missing and not create_missing:
        for m in missing.values():
            problems.append(Problem(*m.where,
                                    f"“{m.name}”不在本单位通讯录中（{len(m.days)} 天）：可选择“创建缺少的人员”一并导入"))
    return ImportPreview(parsed=parsed, months=months, posts=[{"name": p.name, "label": labels[p.name]} for p in posts],
                         days=days, problems=problems, warnings=warnings, missing=list(missing.values()),
                         create_missing=create_missing)


def _match(n: Named, post: str, d, labels, by_name, pools, missing, taken, problems, warnings) -> dict:
    """One name of one day: the directory's person (or a planned creation), with problems and warnings."""
    row, col, header = d.cells.get(post, (d.row, "", ""))
    if n.where is not None:  # the name's own cell: the second officer row of a day merged over two
        row, col = n.where
    label = labels[post]
    header = header or label
    found = by_name.get(n.name, [])
    if len(found) > 1 and n.phone:
        found = [p for p in found if p.mobile == n.phone] or found
    if not found:
        m = missing.setdefault(n.name, Missing(n.name, post, n.phone, where=(d.sheet, row, col, header)))
        if d.day not in m.days:
            m.days.append(d.day)
        return {"name": n.name, "phone": n.phone, "person_id": None, "status": "missing"}
    if len(found) > 1:
        problems.append(Problem(d.sheet, row, col, header, f"本单位有 {len(found)} 位“{n.name}”，请在姓名后写上手机号以区分"))
        return {"name": n.name, "phone": n.phone, "person_id": None, "status": "ambiguous"}
    person = found[0]
    pid = str(person.id)
    status = "ok"
    if pid not in pools.get(post, []):
        problems.append(Problem(d.sheet, row, col, header, f"“{n.name}”不在{label}的轮换人员中"))
        status = "not_in_pool"
    elif pid in taken:
        problems.append(Problem(d.sheet, row, col, header,
                                f"“{n.name}”在 {d.day.isoformat()} 同时担任{labels[taken[pid]]}和{label}"))
        status = "twice"
    taken.setdefault(pid, post)
    if n.phone and person.mobile and n.phone != person.mobile:
        warnings.append(Problem(d.sheet, row, col, header,
                                f"“{n.name}”的电话 {n.phone} 与通讯录中的 {person.mobile} 不同（以通讯录为准）"))
    return {"name": n.name, "phone": n.phone or person.mobile, "person_id": pid, "status": status}


def _check_columns(parsed: ParsedRoster, posts, problems: list[Problem]) -> None:
    """Each sheet must give the leader and officer posts (a column in a list, a row label in a week grid)."""
    for sheet, layout in parsed.layouts.items():
        roles = {c.role for c in parsed.columns if c.sheet == sheet}
        lacking = [p.label or p.name for p in posts if p.name in REQUIRED_POSTS and p.name not in roles]
        if lacking:
            problems.append(Problem(sheet, 0, "", "表头", f"缺少{'、'.join(lacking)}{'列' if layout == 'list' else '行'}"))


def _check_month_days(parsed: ParsedRoster, months: list[str], problems: list[Problem]) -> None:
    have = {d.day for d in parsed.days}
    if any(p.header == "日期" and p.row for p in problems):
        return  # a date the parser could not read is probably the "missing" one
    for month in months:
        first, last = parse_month(month)
        lacking = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)
                   if date.fromordinal(o) not in have]
        if lacking:
            sheet = next((s for s, ym in parsed.months.items() if f"{ym[0]:04d}-{ym[1]:02d}" == month), "")
            shown = "、".join(f"{d.month}月{d.day}日" for d in lacking[:10]) + ("等" if len(lacking) > 10 else "")
            problems.append(Problem(sheet, 0, "", "日期", f"缺少 {len(lacking)} 天：{shown}"))


def import_roster(*, session: Session, unit_id: uuid.UUID, sheets: list[Sheet], by: Actor, tz: str,
                  month: str | None = None, columns: dict[str, str] | None = None,
                  create_missing: bool = False) -> tuple[ImportPreview, list[RosterMonth]]:
    """Replace every month the file covers; ImportRejected (nothing written) while the preview has problems."""
    preview = preview_import(session=session, unit_id=unit_id, sheets=sheets, by=by, month=month, columns=columns,
                             create_missing=create_missing)
    if not preview.ok:
        raise ImportRejected([_legacy(p) for p in preview.problems], preview=preview)
    created = _create_missing(session, unit_id, preview, by)
    policy = pol.load_policy(session, unit_id, tz)
    calendar = load_calendar(session=session)
    rows = []
    for month_key in preview.months:
        first, last = parse_month(month_key)
        out: list[Assignment] = []
        notes: dict[date, str] = {}
        for d in preview.days:
            if not first <= d["day"] <= last:
                continue
            dc = day_class(calendar, d["day"]).value
            for post, people in d["posts"].items():
                for position, x in enumerate(people):
                    pid = x["person_id"] or created[x["name"]]
                    out.append(Assignment(d["day"], 0, post, pid, dc, "import", position))
            if d["note"]:
                notes[d["day"]] = d["note"][:500]
        rows.append(store_month(session, unit_id, month_key, policy, out, by.name, tz))
        session.exec(delete(RosterDayNote).where(RosterDayNote.unit_id == unit_id, RosterDayNote.day >= first,
                                                 RosterDayNote.day <= last))
        for day, note in notes.items():
            session.add(RosterDayNote(unit_id=unit_id, day=day, note=note))
        session.flush()
    return preview, rows


def _create_missing(session: Session, unit_id: uuid.UUID, preview: ImportPreview, by: Actor) -> dict[str, str]:
    """Create the people the directory lacks and append them to the pool of the post the file gives them."""
    created: dict[str, str] = {}
    added: dict[str, list[uuid.UUID]] = {}
    for m in preview.missing:
        person = org.create_person(session=session, actor=by.name, data=PersonCreate(
            name=m.name, unit_id=unit_id, mobile=m.phone or None))
        created[m.name] = str(person.id)
        added.setdefault(m.post, []).append(person.id)
    pools = pol.pools_of(session, unit_id)
    for post, ids in added.items():
        pol.set_pool(session=session, unit_id=unit_id, post=post,
                     people=[uuid.UUID(x) for x in pools.get(post, [])] + ids, by=by)
    return created


def _legacy(p: Problem) -> dict:
    """A problem in the shape ImportRejected has always carried (row, column header, message), plus where."""
    return {"row": p.row, "column": p.header or p.column or "file", "msg": p.message, "sheet": p.sheet, "cell": p.column,
            "text": p.text}
