"""The import preview's checks of the column mapping, of 备注, of holiday head-counts and of the months already
published (services/rosters/imports.py uses them).

A correction of the mapping that names an unknown role, a missing sheet or a column outside the sheet is refused,
never dropped; a file without a 备注 column keeps the stored notes, and one with it says which notes it changes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from core.errors import Invalid
from core.spreadsheets import Sheet
from models.directory import Person
from models.rosters.roster import RosterDayNote
from rules.directory import phone_form
from rules.rosters.sheet_grid import ROLES, letter, said
from rules.rosters.sheet_layout import ParsedRoster, Problem
from services.access import Actor
from models.rosters.roster import RosterStatus
from rules.rosters.review import holiday_shortfalls
from services.rosters import policy as pol
from services.rosters.calendar import load_calendar
from services.rosters.generate import month_row, parse_month


@dataclass
class NoteChange:
    """A stored 备注 the import changes (`after` "": removed)."""

    day: date
    before: str
    after: str


ROLE_WORDS = {"date": "日期", "weekday": "星期", "phone": "电话", "note": "备注", "ignore": "忽略"}
_LETTERS = re.compile(r"^[A-Z]{1,3}$")


def _column_index(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n - 1


def check_overrides(columns: dict[str, str], sheets: list[Sheet], labels: dict[str, str]) -> dict[str, str]:
    """A correction of the mapping naming an unknown role, a sheet the file lacks or a column outside the sheet is
    refused (Invalid, field "columns"), the valid roles listed: never silently dropped. The corrections with their
    column letters in capitals."""
    valid = {"date": ROLE_WORDS["date"], "weekday": ROLE_WORDS["weekday"], **labels,
             **{k: v for k, v in ROLE_WORDS.items() if k not in ("date", "weekday")}}
    assert set(ROLES) <= set(valid)
    widths = {s.name: max((len(r) for r in s.rows), default=0) for s in sheets}
    bad: list[tuple[str, str]] = []
    out: dict[str, str] = {}
    for key, role in columns.items():
        sheet, bang, col = key.rpartition("!")
        role = role.strip()
        if bang and sheet not in widths:
            bad.append((f"{key}={role}：文件中没有工作表“{sheet}”", f"{key}={role}: the file has no such sheet"))
            continue
        if role not in valid:
            bad.append((f"{key}={role}：“{role}”不是可用的用途", f"{key}={role}: unknown role"))
            continue
        if _LETTERS.match(col.strip().upper()):  # a week grid's row label is named by its text, not a letter
            col = col.strip().upper()
            width = widths[sheet] if bang else max(widths.values(), default=0)
            if _column_index(col) >= width:
                last = letter(width - 1) if width else ""
                bad.append((f"{key}={role}：{col} 列不在工作表内" + (f"，表格只到 {last} 列" if last else ""),
                            f"{key}={role}: column {col} is outside the sheet" + (f", which ends at {last}"
                                                                                   if last else "")))
                continue
        out[f"{sheet}!{col}" if bang else col] = role
    if bad:
        listed = "、".join(f"{word} {name}" for name, word in valid.items())
        raise Invalid("列对应关系有误，未导入：" + "；".join(zh for zh, _ in bad) + f"。可用的用途：{listed}"
                      f" (wrong column mapping, nothing imported: {'; '.join(en for _, en in bad)}. Roles: "
                      f"{', '.join(valid)})", field="columns")
    return out


def stored_notes(session: Session, unit_id: uuid.UUID, first: date, last: date) -> dict[date, str]:
    return {n.day: n.note for n in session.exec(select(RosterDayNote).where(
        RosterDayNote.unit_id == unit_id, RosterDayNote.day >= first, RosterDayNote.day <= last))}


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


def check_notes(session: Session, unit_id: uuid.UUID, parsed: ParsedRoster, months: list[str],
                 warnings: list[Problem]) -> tuple[set[str], list[NoteChange], dict[str, int]]:
    """Which months the file sets 备注 for (a sheet with a 备注 column or row), the stored notes it changes or
    removes (a warning per month naming them), and the months whose stored notes are kept (a warning saying so)."""
    with_notes = {c.sheet for c in parsed.columns if c.role == "note"}
    file_notes = {d.day: d.note[:500] for d in parsed.days}
    note_months: set[str] = set()
    changes: list[NoteChange] = []
    kept: dict[str, int] = {}
    for month in months:
        first, last = parse_month(month)
        sheets = {d.sheet for d in parsed.days if first <= d.day <= last}
        stored = stored_notes(session, unit_id, first, last)
        sheet = min(sheets) if sheets else ""
        if sheets & with_notes:
            note_months.add(month)
            mine = [NoteChange(day, note, file_notes.get(day, "")) for day, note in sorted(stored.items())
                    if file_notes.get(day, "") != note]
            changes += mine
            removed = [c for c in mine if not c.after]
            changed = [c for c in mine if c.after]
            if removed:
                shown = "、".join(f"{c.day.month}月{c.day.day}日“{_short(c.before)}”" for c in removed)
                warnings.append(Problem(sheet, 0, "", "备注", f"将删除 {len(removed)} 条已有备注（文件中为空）：{shown}",
                                        **said("notes_removed", n=len(removed), notes=tuple(
                                            f"{c.day.isoformat()} “{_short(c.before)}”" for c in removed))))
            if changed:
                shown = "、".join(f"{c.day.month}月{c.day.day}日“{_short(c.before)}”→“{_short(c.after)}”"
                                  for c in changed)
                warnings.append(Problem(sheet, 0, "", "备注", f"将更改 {len(changed)} 条已有备注：{shown}",
                                        **said("notes_changed", n=len(changed), notes=tuple(
                                            f"{c.day.isoformat()} “{_short(c.before)}” → “{_short(c.after)}”"
                                            for c in changed))))
        elif stored:
            kept[month] = len(stored)
            warnings.append(Problem(sheet, 0, "", "备注", f"文件没有备注列：保留 {month} 已有的 {len(stored)} 条备注",
                                    **said("notes_kept", ym=month, n=len(stored))))
    return note_months, changes, kept


def check_taken_phones(session: Session, missing: dict, problems: list[Problem], by: Actor) -> None:
    """A person to create whose file phone is already another person's mobile in the directory (a copy-paste slip
    in the file) is a problem at the name's cell, never a second person ringing the first one's phone. The other
    person is named only when the caller may see their unit."""
    wanted: dict[str, list] = {}
    for m in missing.values():
        try:
            phone = phone_form(m.phone) if m.phone else ""
        except ValueError:  # a malformed phone is its own problem, named where it was read
            phone = ""
        if phone:
            wanted.setdefault(phone, []).append(m)
    if not wanted:
        return
    owners = session.exec(select(Person).where(Person.mobile.in_(list(wanted)), Person.active)).all()
    for person in owners:
        for m in wanted.pop(person.mobile, []):
            owner = person.name if by.sees(person.unit_id) else ""
            problems.append(Problem(*m.where, f"“{m.name}”的电话 {m.phone} 已是通讯录中"
                                              f"{'“' + owner + '”' if owner else '另一人'}的手机号：请核对后再导入",
                                    **(said("phone_taken", name=m.name, phone=m.phone, owner=owner) if owner
                                       else said("phone_taken_hidden", name=m.name, phone=m.phone))))


def check_month_days(parsed: ParsedRoster, months: list[str], problems: list[Problem]) -> None:
    """Every day of each chosen month is in the file: the days it lacks are one problem per month."""
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
            problems.append(Problem(sheet, 0, "", "日期", f"缺少 {len(lacking)} 天：{shown}",
                                    **said("days_missing", n=len(lacking), dates=tuple(d.isoformat() for d in lacking[:10]),
                                           more=len(lacking) > 10)))


def check_holiday_counts(session: Session, unit_id: uuid.UUID, parsed: ParsedRoster, days: list[dict],
                          months: list[str], labels: dict[str, str], warnings: list[Problem]) -> None:
    """A statutory holiday the file gives fewer people than the post's holiday head-count (节假日人数): a warning at
    the day's cell. Head-counts are per local date, so the policy's zone plays no part here."""
    if not months:
        return
    policy = pol.load_policy(session, unit_id, "UTC")
    held = {(d["day"], post): len(people) for d in days for post, people in d["posts"].items()
            if d["day"].strftime("%Y-%m") in months}
    first, last = parse_month(months[0])[0], parse_month(months[-1])[1]
    cells = {d.day: d for d in parsed.days}
    for s in holiday_shortfalls(policy, load_calendar(session=session), held, first, last):
        d = cells[s.day]
        row, col, header = d.cells.get(s.post, (d.row, "", labels.get(s.post, s.post)))
        warnings.append(Problem(d.sheet, row, col, header, s.text(labels.get(s.post, s.post))))


def republished_months(session: Session, unit_id: uuid.UUID, months: list[str]) -> dict[str, int]:
    """The months the unit has published, each with the version an import would publish."""
    rows = (month_row(session, unit_id, m) for m in months)
    return {r.month: r.version + 1 for r in rows if r is not None and r.status is RosterStatus.published}
