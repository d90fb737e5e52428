"""Who is on duty now, sized for a province: the first rows a duty office reads, and the whole list by pages.

`on_duty` (views.py) has a row per unit with a running slot. Here every active unit the caller may see gets a
row (one with no running slot: nobody on duty), and a short list puts first what needs a look: units with a
problem (nobody on duty now, or a post of leader/officer empty), then the caller's own unit and its direct
subordinates, then the rest in the units' tree order. A county's units all fit: the short list is then the
rows as `on_duty` has them, in the same order, nothing added.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, select
from sqlmodel import Session

from models.directory import Unit
from services.access import Actor
from services.rosters.views import on_duty


@dataclass
class OnDutyList:
    rows: list[dict]  # each with "problem": "" | "nobody" | "gap"
    total: int  # units the caller may see (active)
    problems: int  # of them with a problem
    more: int = 0  # units left out past the limit (0: all fit)


def _units(session: Session, by: Actor) -> list[tuple[str, str | None, str, str, str]]:
    """(id, parent id, name, code, duty phone) of the active units `by` may see, in tree order (as list_units)."""
    q = select(cast(Unit.id, String), cast(Unit.parent_id, String), Unit.name, Unit.code, Unit.duty_phone).where(
        Unit.active)
    if by.scope is not None:
        q = q.where(Unit.id == by.scope)
    q = q.order_by(Unit.parent_id.is_not(None), Unit.sort_order, Unit.code)
    return [(_canon(i), _canon(p) if p else None, n, c, ph) for i, p, n, c, ph in session.execute(q).all()]


def _canon(v) -> str:
    return str(uuid.UUID(str(v)))


def _problem(row: dict | None) -> str:
    if row is None or not (row["leader"] or row["officers"]):
        return "nobody"
    return "gap" if not (row["leader"] and row["officers"]) else ""


def all_rows(*, session: Session, now: datetime, by: Actor, tz: str) -> list[dict]:
    """Every active unit `by` may see, in tree order, with who is on duty now and its problem."""
    running = {r["unit_id"]: r for r in on_duty(session=session, now=now, by=by, tz=tz)}
    out = []
    for uid, parent, name, code, phone in _units(session, by):
        r = running.get(uid)
        base = r if r is not None else {"unit_id": uid, "unit": name, "code": code, "phone": phone,
                                        "leader": "", "officers": "", "others": {}}
        out.append(dict(base, parent_id=parent, problem=_problem(r)))
    return out


def first_rows(*, session: Session, now: datetime, by: Actor, tz: str, limit: int) -> OnDutyList:
    """At most `limit` rows: problems first, then `by`'s unit and its direct subordinates, then the rest."""
    rows = all_rows(session=session, now=now, by=by, tz=tz)
    problems = sum(1 for r in rows if r["problem"])
    if len(rows) <= limit:  # all fit: as the dashboard always had them (the units on duty, by code)
        return OnDutyList(sorted((r for r in rows if r["problem"] != "nobody" or r["others"]), key=lambda r: r["code"]),
                          len(rows), problems)
    return OnDutyList(_ranked(rows, by)[:limit], len(rows), problems, len(rows) - limit)


def _ranked(rows: list[dict], by: Actor) -> list[dict]:
    own = str(by.unit_id) if by.unit_id else None

    def rank(item: tuple[int, dict]) -> tuple[int, int]:
        i, r = item
        if r["problem"] == "nobody":
            return 0, i
        if r["problem"]:
            return 1, i
        if own and (r["unit_id"] == own or r["parent_id"] == own):
            return 2, i
        return 3, i

    return [r for _, r in sorted(enumerate(rows), key=rank)]


def page_of(rows: list[dict], *, q: str = "", page: int = 1, size: int = 100) -> tuple[list[dict], int, int]:
    """The rows whose unit name or code holds `q`, page `page` (from 1) of `size`: (rows, matching, pages)."""
    q = q.strip()
    found = [r for r in rows if q in r["unit"] or q.lower() in r["code"].lower()] if q else rows
    pages = max(1, -(-len(found) // size))
    page = min(max(1, page), pages)
    return found[(page - 1) * size:page * size], len(found), pages
