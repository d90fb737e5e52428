"""Roster import from the office's own spreadsheet: a preview of what was understood, then all or nothing.

`preview_import` reads the sheets with `rules.rosters.sheet_layout`, checks every name against the unit's
directory and pools and every day of each month, and says what an import would write; nothing is written.
`import_roster` writes it only when the preview has no problem: the months it covers are replaced, each
day's 备注 kept, people missing from the directory created first when asked (`create_missing`). A day already
served (services/rosters/served.py) that the file would change is a warning in the preview, naming who served it;
the import then refuses unless `allow_past` is given (the console's checkbox, `--allow-past`), and audits it.
A month the file gives exactly as stored (the same people, order and 备注) is left alone: no new version, no
audit entry, and the caller says 与现有排班相同，未更改.
A month wholly in the past (rules.rosters.review.past_months) is written only with `past_ok` (the console's tick
确认导入已过去的月份, `--past-ok`). People created by the import join the pool of their post unless the clerk
leaves them out (`pool_new`); a phone the file gives that differs from the directory replaces it only for the
people chosen (`update_phones`, audited as a change of the person).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, delete, select

from core.errors import Invalid
from core.spreadsheets import Sheet
from models.directory import Person, Unit
from models.rosters.roster import RosterDayNote, RosterMonth
from rules.directory import same_phone
from rules.rosters.explain import Assignment
from rules.rosters.policy import day_class
from rules.rosters.review import past_months
from rules.rosters.sheet_cells import WEEKDAY_ZH, Named
from rules.rosters.sheet_grid import said
from rules.rosters.sheet_layout import Grid, ParsedRoster, Problem, parse_roster
from services import audit
from services.access import Actor
from services.rosters import policy as pol
from services.rosters.calendar import load_calendar, missing_festivals
from services.rosters.excel import ImportRejected, store_month
from services.rosters.generate import month_row, parse_month
from services.rosters import import_people
from services.rosters.import_checks import (NoteChange, check_holiday_counts, check_month_days, check_notes,
                                           check_overrides, check_taken_phones, republished_months, stored_notes)
from services.rosters.served import ServedDay, past_month_entry, served_changes
from services.rosters.store import load_slots

REQUIRED_POSTS = ("leader", "officer")  # a day without one of these is a gap, not an import
# ... unless the sheet lists no one for the post at all (officers only, no 带班领导 column or row): then the
# post is left empty, said once as a warning, and filled later on the roster page (its days show as gaps).
OPTIONAL_WHEN_ABSENT = ("leader",)
UNCHANGED = "与现有排班相同，未更改"  # a month re-imported as it is stored (Unchanged: same as the stored roster)


TICKED = {"not_in_directory", "not_in_pool"}  # problems a tick of the preview resolves


@dataclass
class Missing:
    """A name the file gives that the unit's directory lacks (created on import with `create_missing`)."""

    name: str
    post: str
    phone: str
    days: list[date] = field(default_factory=list)
    where: tuple[str, int, str, str] = ("", 0, "", "")  # sheet, row, column, header of the first mention
    joins_pool: bool = True  # appended to the post's rotation pool when created


@dataclass
class PhoneChange:
    """A directory person whose phone in the file differs from the directory's (replaced with `update_phones`)."""

    person_id: str
    name: str
    phone: str  # as the file gives it
    directory: str  # as the directory has it


@dataclass
class Outside:
    """A person of the unit's directory the file puts on a post whose pool lacks them (added with `add_to_pool`)."""

    name: str
    post: str
    person_id: str
    days: list[date] = field(default_factory=list)
    where: tuple[str, int, str, str] = ("", 0, "", "")


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
    served: list[ServedDay] = field(default_factory=list)  # served days the import would change
    unchanged: list[str] = field(default_factory=list)  # months the import found identical (set by import_roster)
    outside: list[Outside] = field(default_factory=list)  # directory people the file puts on a post not in its pool
    add_to_pool: bool = False
    past: list[str] = field(default_factory=list)  # months wholly over: written only with past_ok
    phones: list[PhoneChange] = field(default_factory=list)  # phones that differ from the directory, one per person
    update_phones: set[str] = field(default_factory=set)  # person ids whose directory phone the import replaces
    created: list[str] = field(default_factory=list)  # names the import created (set by import_roster)
    # 备注: the months whose file has a 备注 column (or row) set the month's notes, an empty cell clearing that
    # day's; a month whose file has none keeps its stored notes (`notes_kept`: month -> how many).
    note_months: set[str] = field(default_factory=set)
    note_changes: list[NoteChange] = field(default_factory=list)
    notes_kept: dict[str, int] = field(default_factory=dict)
    calendar_missing: dict[int, list[str]] = field(default_factory=dict)  # year -> festivals (zh) the calendar lacks
    # months already published: the import makes a new published version (month -> its number), sent to the feeds
    republished: dict[str, int] = field(default_factory=dict)

    def republish_lines(self) -> list[str]:
        """本月已发布，导入将生成新版本（版本N）并推送给订阅者, one a month (zh-CN; the console words it in English)."""
        return [f"{m}：本月已发布，导入将生成新版本（版本{v}）并推送给订阅者" for m, v in sorted(self.republished.items())]

    def counts(self, month: str) -> tuple[int, int]:
        """(days with anyone on duty, person-slots 人次) the file gives for `month`."""
        days = [d for d in self.days if d["day"].strftime("%Y-%m") == month]
        slots = [len(people) for d in days for people in d["posts"].values()]
        return sum(1 for d in days if any(d["posts"].values())), sum(slots)

    @property
    def other_months(self) -> list[str]:
        """The months of the sheets left out because they are not the chosen month ('2027-01')."""
        return sorted({f"{y:04d}-{m:02d}" for y, m in self.parsed.other_months.values()})

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ticks_decide(self) -> bool:
        """Only people to create (创建通讯录中缺少的人员) or to add to a post's pool (加入轮换人员) stand in the way: the
        preview's ticks, sent with 确认导入, decide, without another 重新识别 first (t15's M2)."""
        return bool(self.problems) and all(p.code in TICKED for p in self.problems)

    def as_dict(self) -> dict:
        """The preview as JSON (API, CLI --json)."""
        def p(x: Problem) -> dict:
            return {"sheet": x.sheet, "row": x.row, "column": x.column, "header": x.header, "message": x.message,
                    "text": x.text}
        return {
            "ok": self.ok, "months": self.months, "posts": self.posts, "calendar_missing": self.calendar_missing,
            "layouts": self.parsed.layouts, "titles": self.parsed.titles, "footers": self.parsed.footers,
            "columns": [{"sheet": c.sheet, "column": c.column, "header": c.header, "role": c.role}
                        for c in self.parsed.columns],
            "days": [{**d, "day": d["day"].isoformat()} for d in self.days],
            "problems": [p(x) for x in self.problems], "warnings": [p(x) for x in self.warnings],
            "missing": [{"name": m.name, "post": m.post, "phone": m.phone, "days": [d.isoformat() for d in m.days]}
                        for m in self.missing],
            "create_missing": self.create_missing,
            "outside": [{"name": o.name, "post": o.post, "person_id": o.person_id,
                         "days": [d.isoformat() for d in o.days]} for o in self.outside],
            "add_to_pool": self.add_to_pool, "past": self.past,
            "new_people": [{"name": m.name, "post": m.post, "joins_pool": m.joins_pool} for m in self.missing],
            "phones": [{"person_id": x.person_id, "name": x.name, "phone": x.phone, "directory": x.directory,
                        "update": x.person_id in self.update_phones} for x in self.phones],
            "served": [d.as_dict() for d in self.served], "unchanged": self.unchanged,
            "other_months": self.other_months,
            "note_changes": [{"day": c.day.isoformat(), "before": c.before, "after": c.after}
                             for c in self.note_changes],
            "notes_kept": self.notes_kept, "republished": self.republished,
        }


def _refuse_without_posts(session: Session, unit_id: uuid.UUID) -> list:
    posts = pol.posts_of(session, unit_id)
    if not posts:
        unit = pol.get_unit(session, unit_id)
        raise Invalid(f"{unit.name}尚未设置值班岗位（带班领导、值班员等）和轮换人员，导入的姓名无处可放：请先设置岗位后再导入"
                      "（值班表页“设置岗位与轮换人员”，或 dutydesk roster post / pool）",
                      field="unit")
    return posts


def _elsewhere(session: Session, unit_id: uuid.UUID, missing: dict, problems: list, by: Actor) -> None:
    """A name missing here but on another unit's list is that person, not a new one: named as a problem and
    never offered for creation (which would make a second 吴春梅). Only units the caller may see are named, so a
    unit reporter cannot look up which unit a name belongs to: to them such a name is a new name like any other."""
    if not missing:
        return
    found = session.exec(select(Person.name, Unit.name, Unit.id).join(Unit, Unit.id == Person.unit_id).where(
        Person.name.in_(list(missing)), Person.unit_id != unit_id, Person.active)).all()
    units: dict[str, list[str]] = {}
    for name, unit, other in found:
        if by.sees(other):
            units.setdefault(name, []).append(unit)
    for name, where in units.items():
        m = missing.pop(name)
        problems.append(Problem(*m.where, f"“{name}”是{'、'.join(sorted(set(where)))}的人员，不在本单位通讯录中："
                                          f"请改填本单位人员，或先在通讯录中调整其所属单位",
                                **said("other_unit", name=name, units=tuple(sorted(set(where))))))


def preview_import(*, session: Session, unit_id: uuid.UUID, sheets: list[Sheet], by: Actor, now: datetime,
                   month: str | None = None, columns: dict[str, str] | None = None,
                   create_missing: bool = False, add_to_pool: bool = False, tz: str | None = None,
                   pool_new: set[str] | None = None, update_phones: set[str] | None = None,
                   year: int | None = None) -> ImportPreview:
    """The roster as understood and checked against the unit (days served by `now` that it would change are
    warnings; months over by `now` in `tz`, the configured zone, are named: UTC when not given); nothing is
    written. `pool_new`: the names of the people to create that join their post's pool (None: all of them).
    `year`: without `month`, the year of a sheet that names its month only ("1月")."""
    by.check_own_unit(unit_id)
    posts = _refuse_without_posts(session, unit_id)
    hint = None
    if month:
        first, _ = parse_month(month)
        hint = (first.year, first.month)
    labels = {p.name: p.label or p.name for p in posts}
    columns = check_overrides(columns or {}, sheets, labels)
    parsed = parse_roster([Grid(s.name, s.rows, tuple(s.merged)) for s in sheets], post_labels=labels, month=hint,
                          columns=columns, year=year)
    problems, warnings = list(parsed.problems), list(parsed.warnings)
    months = sorted({f"{y:04d}-{m:02d}" for y, m in parsed.months.values()})
    if month and month not in months and not problems:
        problems.append(Problem(sheets[0].name if sheets else "", 0, "", "", f"文件中没有 {month} 的值班表",
                                **said("no_month_in_file", ym=month)))
    given = _check_columns(parsed, posts, problems, warnings)
    check_month_days(parsed, months, problems)
    pools = pol.pools_of(session, unit_id)
    people = list(session.exec(select(Person).where(Person.unit_id == unit_id, Person.active)))
    by_name: dict[str, list[Person]] = {}
    for person in people:
        by_name.setdefault(person.name, []).append(person)
    missing: dict[str, Missing] = {}
    outside: dict[tuple[str, str], Outside] = {}
    phones: dict[str, PhoneChange] = {}
    days = []
    # a list sheet's column headers: a name is placed by its own cell's header (E列（驾驶员）), not the header of
    # the post's first column that day (a column mapped by hand to the post another column already holds)
    heads = {(c.sheet, c.column): c.header for c in parsed.columns if parsed.layouts.get(c.sheet, "list") == "list"}
    for d in parsed.days:
        row = {"day": d.day, "weekday": f"星期{WEEKDAY_ZH[d.day.weekday()]}", "note": d.note, "posts": {}}
        taken: dict[str, str] = {}
        for post in [p.name for p in posts]:
            out = []
            for n in d.posts.get(post, []):
                out.append(_match(n, post, d, labels, by_name, pools, missing, outside, taken, problems,
                                  warnings, phones, heads))
            row["posts"][post] = out
            if (post in REQUIRED_POSTS and not out and post in given.get(d.sheet, ())
                    and months and d.day.strftime("%Y-%m") in months):
                problems.append(Problem(d.sheet, d.row, "", labels[post], f"{d.day.isoformat()} 没有{labels[post]}",
                                        **said("post_empty", day=d.day.isoformat(), post=post)))
        days.append(row)
    _elsewhere(session, unit_id, missing, problems, by)
    check_taken_phones(session, missing, problems, by)
    for m in missing.values():
        m.joins_pool = pool_new is None or m.name in pool_new
    if missing and not create_missing:
        for m in missing.values():
            problems.append(Problem(*m.where,
                                    f"“{m.name}”不在本单位通讯录中（{len(m.days)} 天）：可选择“创建缺少的人员”一并导入",
                                    **said("not_in_directory", name=m.name, days=len(m.days))))
    if outside and not add_to_pool:  # one problem per person and post, not one per row
        for o in outside.values():
            problems.append(Problem(*o.where, f"“{o.name}”不在{labels[o.post]}的轮换人员中（{len(o.days)} 天）："
                                              f"可选择“加入轮换人员”一并导入，或在岗位设置中调整",
                                    **said("not_in_pool", name=o.name, post=o.post, days=len(o.days))))
    check_holiday_counts(session, unit_id, parsed, days, months, labels, warnings)
    note_months, note_changes, notes_kept = check_notes(session, unit_id, parsed, months, warnings)
    where = {d.day: (d.sheet, d.row) for d in parsed.days}
    served = served_changes(session=session, unit_id=unit_id, now=now,
                            days=[d for d in days if d["day"].strftime("%Y-%m") in months])
    for s in served:
        s.sheet, s.row = where.get(s.day, ("", 0))
        warnings.append(Problem(s.sheet, s.row, "", "日期", s.message(labels)))
    return ImportPreview(parsed=parsed, months=months, posts=[{"name": p.name, "label": labels[p.name]} for p in posts],
                         days=days, problems=problems, warnings=warnings, missing=list(missing.values()),
                         create_missing=create_missing, served=served, outside=list(outside.values()),
                         add_to_pool=add_to_pool, calendar_missing=missing_festivals(session=session, months=months),
                         past=past_months(months, now.astimezone(ZoneInfo(tz or "UTC")).date()),
                         phones=list(phones.values()), update_phones=set(update_phones or ()) & set(phones),
                         note_months=note_months, note_changes=note_changes, notes_kept=notes_kept,
                         republished=republished_months(session, unit_id, months))


def _match(n: Named, post: str, d, labels, by_name, pools, missing, outside, taken, problems, warnings,
           phones, heads=None) -> dict:
    """One name of one day: the directory's person (or a planned creation), with problems and warnings."""
    row, col, header = d.cells.get(post, (d.row, "", ""))
    if n.where is not None:  # the name's own cell: the second officer row of a day merged over two
        row, own = n.where
        header = (heads or {}).get((d.sheet, own), header) if own != col else header
        col = own
    label = labels[post]
    header = header or label
    found = by_name.get(n.name, [])
    if len(found) > 1 and n.phone:
        found = [p for p in found if same_phone(p.mobile, n.phone)] or found
    if not found:
        m = missing.setdefault(n.name, Missing(n.name, post, n.phone, where=(d.sheet, row, col, header)))
        if d.day not in m.days:
            m.days.append(d.day)
        return {"name": n.name, "phone": n.phone, "person_id": None, "status": "missing"}
    if len(found) > 1:
        problems.append(Problem(d.sheet, row, col, header, f"本单位有 {len(found)} 位“{n.name}”，请在姓名后写上手机号以区分",
                                **said("ambiguous_name", n=len(found), name=n.name)))
        return {"name": n.name, "phone": n.phone, "person_id": None, "status": "ambiguous"}
    person = found[0]
    pid = str(person.id)
    status = "ok"
    if pid not in pools.get(post, []):
        o = outside.setdefault((post, pid), Outside(n.name, post, pid, where=(d.sheet, row, col, header)))
        if d.day not in o.days:
            o.days.append(d.day)
        status = "not_in_pool"
    if pid in taken:
        problems.append(Problem(d.sheet, row, col, header,
                                f"“{n.name}”在 {d.day.isoformat()} 同时担任{labels[taken[pid]]}和{label}",
                                **said("twice", name=n.name, day=d.day.isoformat(), first=taken[pid], post=post)))
        status = "twice"
    taken.setdefault(pid, post)
    if n.phone and person.mobile and not same_phone(n.phone, person.mobile) and pid not in phones:
        # Said once per person, at the first mention: the preview offers to take the file's phone.
        warnings.append(Problem(d.sheet, row, col, header,
                                f"“{n.name}”的电话 {n.phone} 与通讯录中的 {person.mobile} 不同（以通讯录为准）",
                                **said("phone_differs", name=n.name, phone=n.phone, mobile=person.mobile)))
        phones[pid] = PhoneChange(pid, n.name, n.phone, person.mobile)
    return {"name": n.name, "phone": n.phone or person.mobile, "person_id": pid, "status": status}


def _check_columns(parsed: ParsedRoster, posts, problems: list[Problem], warnings: list[Problem]) -> dict[str, set]:
    """Each sheet must give the officer post (a column in a list, a row label or a cell's label in a week grid);
    a sheet without the leader post imports its officers only, with a warning. The posts each sheet gives."""
    given: dict[str, set] = {}
    for sheet, layout in parsed.layouts.items():
        roles = given[sheet] = {c.role for c in parsed.columns if c.sheet == sheet}
        what = "列" if layout == "list" else "行"
        lacking = [p for p in posts if p.name in REQUIRED_POSTS and p.name not in roles]
        refused = [p.label or p.name for p in lacking if p.name not in OPTIONAL_WHEN_ABSENT]
        if refused:
            problems.append(Problem(sheet, 0, "", "表头", f"缺少{'、'.join(refused)}{what}",
                                    **said("post_column_missing", posts=tuple(p.name for p in lacking
                                                                              if p.name not in OPTIONAL_WHEN_ABSENT),
                                           what=layout)))
        elif lacking:
            names = "、".join(p.label or p.name for p in lacking)
            warnings.append(Problem(sheet, 0, "", "表头", f"没有{names}{what}：{names}留空，导入后请在值班表中补排",
                                    **said("post_column_absent", posts=tuple(p.name for p in lacking), what=layout)))
    return given


def import_roster(*, session: Session, unit_id: uuid.UUID, sheets: list[Sheet], by: Actor, tz: str, now: datetime,
                  month: str | None = None, columns: dict[str, str] | None = None,
                  create_missing: bool = False, allow_past: bool = False,
                  add_to_pool: bool = False, past_ok: bool = False, pool_new: set[str] | None = None,
                  update_phones: set[str] | None = None, year: int | None = None) -> tuple[ImportPreview, list[RosterMonth]]:
    """Replace every month the file covers; ImportRejected (nothing written) while the preview has problems, while
    it covers a month wholly over without `past_ok` (or `allow_past`), or while it would change served days of the
    other months without `allow_past` (the days named). Changed served days are audited."""
    preview = preview_import(session=session, unit_id=unit_id, sheets=sheets, by=by, now=now, month=month,
                             columns=columns, create_missing=create_missing, add_to_pool=add_to_pool, tz=tz,
                             pool_new=pool_new, update_phones=update_phones, year=year)
    if not preview.ok:
        raise ImportRejected([_legacy(p) for p in preview.problems], preview=preview)
    labels = {p["name"]: p["label"] for p in preview.posts}
    if preview.past and not (past_ok or allow_past):  # rewriting served days is confirming the past already
        sheets_of = {f"{y:04d}-{m:02d}": sheet for sheet, (y, m) in preview.parsed.months.items()}
        raise ImportRejected([_legacy(Problem(sheets_of.get(m, ""), 0, "", "月份", past_message(m)))
                              for m in preview.past], preview=preview)
    unconfirmed = [s for s in preview.served if s.day.strftime("%Y-%m") not in preview.past]  # a past month's
    if unconfirmed and not allow_past:  # served days are confirmed with the month
        raise ImportRejected([_legacy(Problem(s.sheet, s.row, "", "日期", s.message(labels) + "（未确认，未导入）"))
                              for s in unconfirmed], preview=preview)
    created = import_people.create_missing(session, unit_id, preview, by)
    import_people.update_phones(session, preview, by)
    import_people.add_outside(session, unit_id, preview, by)
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
        existing = month_row(session, unit_id, month_key)
        keep_notes = month_key not in preview.note_months  # no 备注 column: the stored notes stay
        if keep_notes:
            notes = stored_notes(session, unit_id, first, last)
        if existing is not None and _same_as_stored(session, unit_id, first, last, out, notes):
            preview.unchanged.append(month_key)  # the same file again: no new version, no audit entry
            rows.append(existing)
            continue
        rows.append(store_month(session, unit_id, month_key, policy, out, by.name, tz,
                                also=_notes_said(preview, month_key, first, last)))
        if keep_notes:
            continue
        session.exec(delete(RosterDayNote).where(RosterDayNote.unit_id == unit_id, RosterDayNote.day >= first,
                                                 RosterDayNote.day <= last))
        for day, note in notes.items():
            session.add(RosterDayNote(unit_id=unit_id, day=day, note=note))
        session.flush()
    _keep_title_and_footer(session, preview, rows)
    for month_key in preview.past:  # confirmed: the record says a month that was over was rewritten, and how
        if month_key not in preview.unchanged:
            audit.record(session=session, actor=by.name, action="import_past_month", entity="roster",
                         entity_id=unit_id, unit_id=unit_id, at=now, **past_month_entry(month_key, preview.served))
    if preview.served:
        audit.record(session=session, actor=by.name, action="overwrite_served", entity="roster", entity_id=unit_id,
                     unit_id=unit_id, at=now, before={s.day.isoformat(): s.served for s in preview.served},
                     after={s.day.isoformat(): s.after for s in preview.served},
                     note=_served_note([s.day.isoformat() for s in preview.served]))
    return preview, rows


def _keep_title_and_footer(session: Session, preview: ImportPreview, rows: list[RosterMonth]) -> None:
    """Each month keeps its sheet's own title and footer (for print and export); a file without them clears them,
    so that print falls back to dutydesk's own title rather than an older file's. Not a change of the roster: no
    new version."""
    sheets = {f"{y:04d}-{m:02d}": sheet for sheet, (y, m) in preview.parsed.months.items()}
    for row in rows:
        sheet = sheets.get(row.month, "")
        row.title = preview.parsed.titles.get(sheet, "")[:200]
        row.footer = "\n".join(preview.parsed.footers.get(sheet, []))[:500]
        session.add(row)
    session.flush()


def _served_note(days: list[str]) -> str:
    """The overwrite_served entry's note in both languages, short enough for the record (ten days at most)."""
    more = len(days) > 10
    zh = "、".join(days[:10]) + (f"等 {len(days)} 天" if more else "")
    en = ", ".join(days[:10]) + (f" and more, {len(days)} days" if more else "")
    return f"导入覆盖已值班日期：{zh} (import rewrote days already served: {en})"


def _notes_said(preview: ImportPreview, month: str, first: date, last: date) -> str:
    """What the import did to the month's 备注, for its audit entry."""
    if month in preview.notes_kept:
        return f"文件没有备注列，保留已有的 {preview.notes_kept[month]} 条备注"
    mine = [c for c in preview.note_changes if first <= c.day <= last]
    removed = [c.day.isoformat() for c in mine if not c.after]
    changed = [c.day.isoformat() for c in mine if c.after]
    def days(xs: list[str]) -> str:
        return "、".join(xs[:10]) + (f"等 {len(xs)} 天" if len(xs) > 10 else "")
    return "；".join(x for x in (f"删除备注：{days(removed)}" if removed else "",
                                 f"更改备注：{days(changed)}" if changed else "") if x)


def _same_as_stored(session: Session, unit_id: uuid.UUID, first: date, last: date, out: list[Assignment],
                    notes: dict[date, str]) -> bool:
    """The month as stored already says exactly this: the same people on the same posts in the same order,
    and the same 备注."""
    def grouped(rows) -> dict:
        out: dict[tuple, list[str]] = {}
        for day, idx, post, person in rows:
            out.setdefault((day, idx, post), []).append(person)
        return out

    have = grouped((s.day, s.idx, s.post, str(s.person_id)) for s in load_slots(session, unit_id, first, last))
    if have != grouped((a.day, a.index, a.post, a.person) for a in out):
        return False
    stored = {n.day: n.note for n in session.exec(select(RosterDayNote).where(
        RosterDayNote.unit_id == unit_id, RosterDayNote.day >= first, RosterDayNote.day <= last))}
    return stored == notes


def past_message(month: str) -> str:
    """Why a month wholly over is not imported without confirmation (zh-CN)."""
    y, m = month.split("-")
    return (f"{int(y)}年{int(m)}月已过去：导入将写入这个月的值班记录（已有记录将被改写），"
            "请勾选“确认导入已过去的月份”（命令行 --past-ok）")


def summary(preview: ImportPreview, month: str, unit: str) -> str:
    """What was imported, counted: 已导入 2026年12月 高观镇 值班表：31 天，62 人次，新建人员 3 人."""
    days, slots = preview.counts(month)
    y, m = month.split("-")
    return f"已导入 {int(y)}年{int(m)}月 {unit} 值班表：{days} 天，{slots} 人次，新建人员 {len(preview.created)} 人"


def _legacy(p: Problem) -> dict:
    """A problem in the shape ImportRejected has always carried (row, column header, message), plus where."""
    return {"row": p.row, "column": p.header or p.column or "file", "msg": p.message, "sheet": p.sheet, "cell": p.column,
            "text": p.text}
