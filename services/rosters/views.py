"""Read models: who is on duty now (all units, one query), a unit-month with fairness and reasons."""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, cast, func, select
from sqlmodel import Session

from models.directory import Person, Unit
from models.rosters.roster import RosterDayNote, RosterSlot, RosterStamp
from rules.rosters.explain import Assignment
from rules.rosters.policy import DayClass, day_class
from rules.rosters.review import holiday_shortfalls
from rules.rosters.rotation import fairness
from services.access import Actor
from services.rosters import policy as pol
from services.rosters.absences import acting_for, leaves_between
from services.rosters.calendar import load_calendar
from services.rosters.generate import month_row, parse_month
from services.rosters.store import load_slots, to_assignment

MAX_SLOT = timedelta(hours=24)  # slot_hours divides 24, so a running slot started within the last day
FOREVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Kept:
    """The last answer for all units: good while the stamp holds and `since <= now < until`."""

    token: str
    since: datetime
    until: datetime  # the next start or end of any slot after `since`
    units: tuple[dict, ...]


_KEPT: "weakref.WeakKeyDictionary[object, _Kept]" = weakref.WeakKeyDictionary()  # per database engine


def _canon(v) -> str:
    """A UUID string in canonical form, from SQLite's 32-hex storage or PostgreSQL's text."""
    v = str(v)
    return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" if len(v) == 32 else v


def on_duty_now(*, session: Session, now: datetime, unit_id: uuid.UUID | None = None) -> list[dict]:
    """Per unit: leader and officers (names) of the slot running at `now`; with `unit_id`, also each person.

    The answer for all units is kept per process until the next slot boundary or until `roster_stamp`
    changes (triggers set it on every change of slots and of people's and units' names, in the writer's
    transaction, whichever process writes): 3,000 units cost ~40 ms to build and a dashboard asks every few
    seconds. The rows are shared: callers must not change them."""
    if unit_id is not None:
        return _one_unit(session, now, unit_id)
    conn = session.connection()
    # The stamp first, then the rows: rows newer than the stamp are kept under the old one and rebuilt at the
    # next call; the other order could keep old rows under a new stamp.
    token = conn.execute(select(RosterStamp.token).where(RosterStamp.name == "on_duty")).scalar()
    kept = _KEPT.get(conn.engine)
    if kept is not None and kept.token == token and kept.since <= now < kept.until:
        return list(kept.units)
    units = _all_units(conn, now)
    if token is not None:
        _KEPT[conn.engine] = _Kept(token, now, _next_change(conn, now), tuple(units))
    return units


def _next_change(conn, now: datetime) -> datetime:
    """When the set of running slots changes next: the first end of a running slot or start of a later one."""
    ends = select(func.min(RosterSlot.ends_at)).where(*_running(now)).scalar_subquery()
    starts = select(func.min(RosterSlot.starts_at)).where(RosterSlot.starts_at > now).scalar_subquery()
    return min((v for v in conn.execute(select(ends, starts)).one() if v is not None), default=FOREVER)


def _all_units(conn, now: datetime) -> list[dict]:
    """All units in one query: the running slots from the covering index ix_roster_slot_on_duty, grouped per
    unit and post, with the names of the people on them. Measured on 3,000 units (9,000 slots, 48,000 people):
    PostgreSQL hashed the whole person table for the join (~19 ms), so there each name is looked up by
    primary key, and the units come in the same query; on SQLite the plain join and a separate unit scan
    were faster. Ids come back as text (parsing ~9,000 UUIDs cost more than the query)."""
    if conn.dialect.name == "postgresql":
        person_name = select(Person.name).where(Person.id == RosterSlot.person_id).scalar_subquery()
        q = (select(cast(Unit.id, String), RosterSlot.post, func.string_agg(person_name, "、"),
                    Unit.name, Unit.code, Unit.duty_phone)
             .join(Unit, Unit.id == RosterSlot.unit_id).where(*_running(now)).group_by(Unit.id, RosterSlot.post))
        rows = [(uid, post, who, (name, code, phone)) for uid, post, who, name, code, phone in conn.execute(q).all()]
    else:
        q = (select(cast(RosterSlot.unit_id, String), RosterSlot.post, func.group_concat(Person.name, "、"))
             .join(Person, Person.id == RosterSlot.person_id).where(*_running(now))
             .group_by(RosterSlot.unit_id, RosterSlot.post))
        found = conn.execute(q).all()
        names = {uid: (name, code, phone) for uid, name, code, phone in conn.execute(
            select(cast(Unit.id, String), Unit.name, Unit.code, Unit.duty_phone)).all()} if found else {}
        rows = [(uid, post, who, names.get(uid, ("?", "", ""))) for uid, post, who in found]
    units: dict[str, dict] = {}
    for uid, post, who, (name, code, phone) in rows:
        u = units.get(uid)
        if u is None:
            u = units[uid] = {"unit_id": _canon(uid), "unit": name, "code": code, "phone": phone,
                              "leader": "", "officers": "", "others": {}}
        if post == "leader":
            u["leader"] = who
        elif post == "officer":
            u["officers"] = who
        else:
            u["others"][post] = who
    return sorted(units.values(), key=lambda u: u["code"])


def _running(now: datetime) -> tuple:
    return RosterSlot.starts_at > now - MAX_SLOT, RosterSlot.starts_at <= now, RosterSlot.ends_at > now


def _one_unit(session: Session, now: datetime, unit_id: uuid.UUID) -> list[dict]:
    q = (select(RosterSlot.post, Person.id, Person.name, Person.mobile, RosterSlot.ends_at)
         .join(Person, Person.id == RosterSlot.person_id).where(RosterSlot.unit_id == unit_id, *_running(now))
         .order_by(RosterSlot.post, RosterSlot.id))
    rows = session.execute(q).all()
    unit = session.get(Unit, unit_id)
    if not rows or unit is None:
        return []
    people = [{"post": post, "person_id": str(pid), "name": name, "mobile": mobile} for post, pid, name, mobile, _ in rows]
    return [{"unit_id": str(unit.id), "unit": unit.name, "code": unit.code, "phone": unit.duty_phone,
             "leader": "、".join(p["name"] for p in people if p["post"] == "leader"),
             "officers": "、".join(p["name"] for p in people if p["post"] == "officer"),
             "others": {}, "people": people, "until": rows[0][4].isoformat()}]


def on_duty(*, session: Session, now: datetime, by: Actor, tz: str) -> list[dict]:
    """Who is on duty now in every unit `by` may see (a unit reporter: their own). A rostered person on leave
    right now (an urgent one filed today included) shows as their acting person: "吴振华（代钱立新）"."""
    return with_acting(session, on_duty_now(session=session, now=now, unit_id=by.scope), now, tz)


def with_acting(session: Session, rows: list[dict], now: datetime, tz: str) -> list[dict]:
    """Copies of the (shared, cached) rows with each person away at `now` replaced by whoever acts for them."""
    day = now.astimezone(UTC).date()
    leaves = leaves_between(session, day - timedelta(days=1), day + timedelta(days=1))
    if not leaves or not rows:
        return rows
    swap: dict[tuple[str, str], str] = {}  # (unit id, name) -> shown instead
    for leave in leaves:
        acting = acting_for(session=session, person_id=leave.person_id, at=now, tz=tz)
        if acting.person == str(leave.person_id):
            continue  # not away at this moment
        away, stand_in = session.get(Person, leave.person_id), session.get(Person, uuid.UUID(acting.person))
        if away is None:
            continue
        swap[(str(away.unit_id), away.name)] = (f"{stand_in.name}（代{away.name}）" if stand_in is not None
                                                else f"{away.name}（请假）")
    if not swap:
        return rows

    def names(unit_id: str, text: str) -> str:
        return "、".join(swap.get((unit_id, n), n) for n in text.split("、")) if text else text

    out = []
    for row in rows:
        uid = str(row["unit_id"])
        if not any(k[0] == uid for k in swap):
            out.append(row)
            continue
        row = dict(row, leader=names(uid, row["leader"]), officers=names(uid, row["officers"]),
                   others={k: names(uid, v) for k, v in row.get("others", {}).items()})
        out.append(row)
    return out


@dataclass
class DayRow:
    day: date
    day_class: str  # as the holiday calendar has the day now
    posts: dict[str, list[dict]] = field(default_factory=dict)  # post -> [{slot_id, person_id, name, why}]
    planned_as: str = ""  # the class the roster was planned with, when the calendar changed since


def month_view(*, session: Session, unit_id: uuid.UUID, month: str, tz: str, by: Actor) -> dict:
    """A unit-month: status, per-day rows with explanations, fairness counts per person."""
    by.check_own_unit(unit_id)
    first, last = parse_month(month)
    unit = pol.get_unit(session, unit_id)
    posts = pol.posts_of(session, unit_id)
    rows = load_slots(session, unit_id, first, last)
    ids = {r.person_id for r in rows}
    people = {p.id: p for p in session.execute(select(Person).where(Person.id.in_(ids))).scalars()} if ids else {}
    names = {str(k): v.name for k, v in people.items()}
    days: dict[date, DayRow] = {}
    assignments: list[Assignment] = []
    calendar = load_calendar(session=session)
    for r in rows:
        a = to_assignment(r)
        assignments.append(a)
        d = days.get(r.day)
        if d is None:  # a holiday notice imported after the month was planned changes the day, not the slots
            now_class = day_class(calendar, r.day).value
            d = days[r.day] = DayRow(r.day, now_class, planned_as=r.day_class if r.day_class != now_class else "")
        p = people.get(r.person_id)
        d.posts.setdefault(r.post, []).append({
            "slot_id": r.id, "person_id": str(r.person_id), "name": p.name if p else "?",
            "mobile": p.mobile if p else "", "why": explain(a, r.why, names)})
    policy = pol.load_policy(session, unit_id, tz)
    held: dict[tuple[date, str], int] = {(d, p.name): 0 for d in days for p in posts}
    for a in assignments:
        held[(a.day, a.post)] = held.get((a.day, a.post), 0) + 1
    short = holiday_shortfalls(policy, calendar, held, first, last)
    labels = {p.name: p.label or p.name for p in posts}
    fair = fairness(assignments)
    counts = [{"person_id": k, "name": names.get(k, k), **v, "total": sum(v.values())} for k, v in fair.items()]
    counts.sort(key=lambda c: c["name"])
    row = month_row(session, unit_id, month)
    notes = {n.day: n.note for n in session.execute(select(RosterDayNote).where(
        RosterDayNote.unit_id == unit_id, RosterDayNote.day >= first, RosterDayNote.day <= last)).scalars()}
    return {
        "unit": {"id": str(unit.id), "name": unit.name, "code": unit.code, "duty_phone": unit.duty_phone},
        "month": month, "status": row.status.value if row else "none", "version": row.version if row else 0,
        "posts": [{"name": p.name, "label": p.label or p.name} for p in posts],
        "days": [days[d] for d in sorted(days)], "fairness": counts,
        "classes": [c.value for c in DayClass], "notes": notes,
        # days the calendar has changed since the month was planned (fairness counts still use the planned class)
        "calendar_changed": [{"day": d.day, "was": d.planned_as, "now": d.day_class} for d in days.values()
                             if d.planned_as],
        # holidays below the holiday head-count (generated from a short pool, imported, or edited)
        "holiday_short": [{**s._asdict(), "label": labels.get(s.post, s.post), "text": s.text(labels.get(s.post, s.post))}
                          for s in short],
    }


def explain(a: Assignment, why: dict, names: dict[str, str]) -> str:
    """zh-CN 'why this person' for a stored slot (manual changes say so)."""
    if a.reason in ("manual", "swap", "import", "substitute"):
        note = why.get("note", "")
        head = {"manual": "值班室调整", "swap": "换班", "import": "从Excel导入", "substitute": "替班"}[a.reason]
        return head + (f"：{note}" if note else "")
    try:
        return a.text(names)
    except (KeyError, ValueError):
        return a.reason


def person_slots(session: Session, person_id: uuid.UUID, first: date, last: date) -> list[RosterSlot]:
    q = (select(RosterSlot).where(RosterSlot.person_id == person_id, RosterSlot.day >= first, RosterSlot.day <= last)
         .order_by(RosterSlot.starts_at))
    return list(session.execute(q).scalars())
