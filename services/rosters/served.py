"""Days already served (已值班): what an import would change on them, and who served them.

A day is served once its duty has begun: its slot started before `now` (every past day, today after the
handover time) or today's incoming person already signed the handover (交接班, possibly early in the window).
Rewriting such a day rewrites the record of who was on duty, so the import names each one and asks for an
explicit confirmation (services/rosters/imports.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.directory import Person
from models.rosters.duty import Handover
from models.rosters.roster import RosterSlot


@dataclass
class ServedDay:
    """One served day the import would change: who served it and who the file puts there, per post."""

    day: date
    served: dict[str, list[str]] = field(default_factory=dict)  # post -> names, as stored
    after: dict[str, list[str]] = field(default_factory=dict)  # post -> names, as the file gives them
    sheet: str = ""
    row: int = 0

    def who(self, people: dict[str, list[str]], labels: dict[str, str]) -> str:
        return "，".join(f"{labels.get(p, p)} {'、'.join(names) or '无'}" for p, names in people.items()) or "无人"

    def message(self, labels: dict[str, str]) -> str:
        return (f"{self.day.isoformat()} 已值班（{self.who(self.served, labels)}），导入将改为"
                f"（{self.who(self.after, labels)}）：覆盖已值班日期需明确确认")

    def as_dict(self) -> dict:
        return {"day": self.day.isoformat(), "served": self.served, "after": self.after}


def served_changes(*, session: Session, unit_id: uuid.UUID, days: list[dict], now: datetime) -> list[ServedDay]:
    """The served days among the preview's `days` ({day, posts: {post: [{name, person_id}]}, sheet, row}) whose
    people the import would change; days not served yet, or served and unchanged, are not listed."""
    if not days:
        return []
    first, last = min(d["day"] for d in days), max(d["day"] for d in days)
    rows = session.exec(select(RosterSlot.day, RosterSlot.idx, RosterSlot.post, RosterSlot.person_id,
                               RosterSlot.starts_at, Person.name).join(Person, Person.id == RosterSlot.person_id)
                        .where(RosterSlot.unit_id == unit_id, RosterSlot.day >= first, RosterSlot.day <= last)
                        .order_by(RosterSlot.day, RosterSlot.post, RosterSlot.id)).all()
    signed = set(session.exec(select(Handover.day).where(
        Handover.unit_id == unit_id, Handover.day >= first, Handover.day <= last,
        col(Handover.signed_at).is_not(None), Handover.signed_at <= now)))
    stored: dict[date, dict[str, list[tuple[str, str]]]] = {}
    served_days = set()
    for day, _idx, post, person_id, starts_at, name in rows:
        stored.setdefault(day, {}).setdefault(post, []).append((str(person_id), name))
        if starts_at <= now or day in signed:
            served_days.add(day)
    out = []
    for d in sorted(days, key=lambda x: x["day"]):
        if d["day"] not in served_days:
            continue
        before = stored[d["day"]]
        after = {p: [(x["person_id"] or "", x["name"]) for x in xs] for p, xs in d["posts"].items() if xs}
        ids = lambda people: {p: sorted(i for i, _ in xs) for p, xs in people.items() if xs}  # noqa: E731
        if ids(before) != ids(after) or any(not i for xs in after.values() for i, _ in xs):
            out.append(ServedDay(d["day"], {p: [n for _, n in xs] for p, xs in before.items()},
                                 {p: [n for _, n in xs] for p, xs in after.items()}, d.get("sheet", ""),
                                 d.get("row", 0)))
    return out


def past_month_entry(month: str, served: list[ServedDay]) -> dict:
    """The audit entry of an import that rewrote `month`, a month wholly over, as confirmed (--past-ok, the
    console's tick): the served days it changed with who served them (before) and who the file puts there
    (after), and a note in both languages naming the month and the days."""
    mine = [s for s in served if s.day.strftime("%Y-%m") == month]
    days = [s.day.isoformat() for s in mine]
    y, m = month.split("-")
    zh = f"确认导入已过去的月份 {int(y)}年{int(m)}月"
    en = f"confirmed import of {month}, a month that is over"
    if days:
        more = len(days) > 10
        zh += "，改写已值班日期：" + "、".join(days[:10]) + (f"等 {len(days)} 天" if more else "")
        en += "; rewrote days already served: " + ", ".join(days[:10]) + (f" and more, {len(days)} days" if more else "")
    else:
        zh += "，没有改写已值班的人员"
        en += "; no one on record as having served was changed"
    return {"before": {s.day.isoformat(): s.served for s in mine}, "after": {s.day.isoformat(): s.after for s in mine},
            "note": f"{zh} ({en})"}
