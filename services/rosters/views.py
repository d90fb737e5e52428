"""Read models: who is on duty now (all units, one query), a unit-month with fairness and reasons."""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, bindparam, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlmodel import Session

from core import db as dbm
from models.directory import Person, Unit
from models.rosters.roster import RosterDayNote, RosterSlot, RosterStamp, RosterUnitStamp
from rules.rosters.explain import Assignment
from rules.rosters.policy import DayClass, day_class
from rules.rosters.review import holiday_shortfalls
from rules.rosters.rotation import fairness
from services.access import Actor
from services.rosters import policy as pol
from rules.rosters.away import acting_during
from services.rosters.absences import acting_for, leaves_between, to_rule
from services.rosters.calendar import load_calendar
from services.rosters.generate import month_row, parse_month
from services.rosters.store import load_slots, to_assignment

MAX_SLOT = timedelta(hours=24)  # slot_hours divides 24, so a running slot started within the last day
FOREVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Kept:
    """The last answer for all units: good while the stamp's token holds and `since <= now < until`."""

    token: str
    version: int  # the stamp's version the answer was read at
    since: datetime
    until: datetime  # the next start or end of any slot after `since`
    units: tuple[dict, ...]  # sorted by unit code
    at: dict[str, int]  # unit id -> its row's place in `units`
    base: bool  # read in a transaction that changed nothing: a later call may rebuild only the units changed since


_KEPT: "weakref.WeakKeyDictionary[object, _Kept]" = weakref.WeakKeyDictionary()  # per database engine
REBUILD_ALL_OVER = 300  # changed units beyond which one pass over all units is cheaper than asking per unit


def _canon(v) -> str:
    """A UUID string in canonical form, from SQLite's 32-hex storage or PostgreSQL's text."""
    v = str(v)
    return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" if len(v) == 32 else v


_STAMP = select(RosterStamp.token, RosterStamp.version, RosterStamp.all_at).where(RosterStamp.name == "on_duty")
# PostgreSQL: one round trip instead of three after a change (each a wake-up of the server's backend): the stamp,
# whether this transaction wrote, and the units changed since the kept version, in one snapshot
_STAMP_PG = select(RosterStamp.token, RosterStamp.version, RosterStamp.all_at,
                   func.txid_current_if_assigned().is_not(None),
                   select(func.array_agg(RosterUnitStamp.unit_id)).where(
                       RosterUnitStamp.version > bindparam("since")).scalar_subquery()
                   ).where(RosterStamp.name == "on_duty")
_NONE_SINCE = 2 ** 62  # no kept answer: ask for no units
_CHANGED = (select(RosterUnitStamp.unit_id).where(RosterUnitStamp.version > bindparam("since"))
            .limit(REBUILD_ALL_OVER + 1))


def on_duty_now(*, session: Session, now: datetime, unit_id: uuid.UUID | None = None) -> list[dict]:
    """Per unit: leader and officers (names) of the slot running at `now`; with `unit_id`, also each person.

    The answer for all units is kept per process until the next slot boundary or until `roster_stamp`
    changes (triggers set it on every change of slots and of people's and units' names, in the writer's
    transaction, whichever process writes): 3,000 units cost ~40 ms to build and a dashboard asks every few
    seconds. After a change only the units it touched are built again (`roster_unit_stamp`, migration 0002f),
    on top of an answer read from committed rows only (a transaction's own changes may yet be rolled back).
    The rows are shared: callers must not change them."""
    if unit_id is not None:
        return _one_unit(session, now, unit_id)
    conn = session.connection()
    # The stamp first, then the rows: rows newer than the stamp are kept under the old one and rebuilt at the
    # next call; the other order could keep old rows under a new stamp. Writers update the stamp row first and
    # queue on it, so every change up to the version read here has committed.
    kept = _KEPT.get(conn.engine)
    pg = conn.dialect.name == "postgresql"
    stamp = conn.execute(_STAMP_PG, {"since": kept.version if kept else _NONE_SINCE}) if pg else conn.execute(_STAMP)
    stamp = stamp.first()
    if stamp is None:
        return sorted(_build(conn, now).values(), key=_code)
    token, version, all_at = stamp[:3]
    if kept is not None and kept.token == token and kept.since <= now < kept.until:
        return list(kept.units)
    base = not (stamp[3] if pg else dbm.wrote_in_transaction(conn))
    if (kept is not None and kept.base and kept.since <= now < kept.until and all_at <= kept.version < version
            and (changed := (_capped(stamp[4] or []) if pg else _changed_units(conn, kept.version))) is not None):
        fresh = _build(conn, now, changed)
        until = _next_change_of(conn, now, changed, kept.until)
        units, at = list(kept.units), kept.at
        gone = [uid for uid in map(str, changed) if uid in at and uid not in fresh]
        if not gone and all(at.get(uid) is not None and units[at[uid]]["code"] == row["code"]
                            for uid, row in fresh.items()):
            for uid, row in fresh.items():  # the same units in the same order: rows replaced in place
                units[at[uid]] = row
        else:  # a unit came, went or changed its code
            skip = {str(u) for u in changed}
            units = sorted([u for u in units if u["unit_id"] not in skip] + list(fresh.values()), key=_code)
            at = {u["unit_id"]: i for i, u in enumerate(units)}
        _KEPT[conn.engine] = _Kept(token, version, now, until, tuple(units), at, base)
        return units
    units = sorted(_build(conn, now).values(), key=_code)
    _KEPT[conn.engine] = _Kept(token, version, now, _next_change(conn, now), tuple(units),
                               {u["unit_id"]: i for i, u in enumerate(units)}, base)
    return units


def _code(row: dict) -> str:
    return row["code"]


def _changed_units(conn, since: int) -> list[uuid.UUID] | None:
    """The units changed after stamp version `since`; None when so many that building all is cheaper."""
    return _capped(list(conn.execute(_CHANGED, {"since": since}).scalars()))


def _capped(found: list[uuid.UUID]) -> list[uuid.UUID] | None:
    return found if len(found) <= REBUILD_ALL_OVER else None


def _next_change(conn, now: datetime) -> datetime:
    """When the set of running slots changes next: the first end of a running slot or start of a later one."""
    ends = select(func.min(RosterSlot.ends_at)).where(*_running(now)).scalar_subquery()
    starts = select(func.min(RosterSlot.starts_at)).where(RosterSlot.starts_at > now).scalar_subquery()
    return min((v for v in conn.execute(select(ends, starts)).one() if v is not None), default=FOREVER)


def _next_change_of(conn, now: datetime, unit_ids: list[uuid.UUID], until: datetime) -> datetime:
    """`until`, or an earlier start or end after `now` of a slot of these units (its slots may have moved)."""
    if not unit_ids:
        return until
    if until > now + timedelta(days=60):
        return _next_change(conn, now)
    q = select(RosterSlot.starts_at, RosterSlot.ends_at).where(
        *_of_units(unit_ids, now, until), RosterSlot.starts_at > now - MAX_SLOT, RosterSlot.starts_at < until)
    for starts, ends in conn.execute(q).all():
        until = min(until, starts if starts > now else ends if ends > now else until)
    return until


def _of_units(unit_ids: list[uuid.UUID], now: datetime, until: datetime) -> tuple:
    """These units' slots starting within a day before `now` up to `until`, through ix_roster_slot_unit_day
    (`day` is the local date a slot starts on: within a day of its UTC date)."""
    return (RosterSlot.unit_id.in_(unit_ids), RosterSlot.day >= (now - MAX_SLOT - timedelta(days=1)).date(),
            RosterSlot.day <= (until + timedelta(days=1)).date())


def _build(conn, now: datetime, unit_ids: list[uuid.UUID] | None = None) -> dict[str, dict]:
    """All units (or these) in one query: the running slots from the covering index ix_roster_slot_on_duty (or,
    for a few units, ix_roster_slot_unit_day), grouped per unit and post, with the names of the people on them.
    Measured on 3,000 units (9,000 slots, 48,000 people): PostgreSQL hashed the whole person table for the join
    (~19 ms), so there each name is looked up by primary key, and the units come in the same query; on SQLite
    the plain join and a separate unit scan were faster. Ids come back as text (parsing ~9,000 UUIDs cost more
    than the query)."""
    if unit_ids is not None and not unit_ids:
        return {}
    where = _running(now) + (_of_units(unit_ids, now, now) if unit_ids is not None else ())
    # Names in slot order (as rostered; as `_one_unit` has them), whichever index the rows come through: the
    # units built again after a change must read as a build of all units would.
    if conn.dialect.name == "postgresql":
        person_name = select(Person.name).where(Person.id == RosterSlot.person_id).scalar_subquery()
        q = (select(cast(Unit.id, String), RosterSlot.post,
                    func.string_agg(person_name, aggregate_order_by(literal("、"), RosterSlot.id)),
                    Unit.name, Unit.code, Unit.duty_phone)
             .join(Unit, Unit.id == RosterSlot.unit_id).where(*where).group_by(Unit.id, RosterSlot.post))
        rows = [(uid, post, who, (name, code, phone)) for uid, post, who, name, code, phone in conn.execute(q).all()]
    else:  # SQLite's group_concat follows the order of an ordered subquery (an aggregate never flattens it)
        inner = (select(RosterSlot.unit_id, RosterSlot.post, Person.name)
                 .join(Person, Person.id == RosterSlot.person_id).where(*where)
                 .order_by(RosterSlot.unit_id, RosterSlot.post, RosterSlot.id).subquery())
        q = (select(cast(inner.c.unit_id, String), inner.c.post, func.group_concat(inner.c.name, "、"))
             .group_by(inner.c.unit_id, inner.c.post))
        found = conn.execute(q).all()
        of_units = select(cast(Unit.id, String), Unit.name, Unit.code, Unit.duty_phone)
        if unit_ids is not None:
            of_units = of_units.where(Unit.id.in_(unit_ids))
        names = {uid: (name, code, phone) for uid, name, code, phone in conn.execute(of_units).all()} if found else {}
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
    return {u["unit_id"]: u for u in units.values()}


def _running(now: datetime) -> tuple:
    return RosterSlot.starts_at > now - MAX_SLOT, RosterSlot.starts_at <= now, RosterSlot.ends_at > now


def post_rostered(session: Session, unit_id: uuid.UUID, post: str, start: datetime, end: datetime) -> bool:
    """Whether the roster names an active person on `post` of `unit_id` in a slot running at some time between
    `start` and `end` (an escalation policy's check that its duty leader can be reached in the coming days)."""
    return session.execute(select(RosterSlot.id).join(Person, Person.id == RosterSlot.person_id).where(
        RosterSlot.unit_id == unit_id, RosterSlot.post == post, RosterSlot.starts_at < end,
        RosterSlot.ends_at > start, Person.active).limit(1)).first() is not None


def people_rostered(session: Session, unit_id: uuid.UUID | None, post: str, start: datetime,
                    end: datetime) -> list[Person]:
    """The active people the roster names on `post` of `unit_id` (any unit: None) in a slot running at some time
    between `start` and `end` (who an escalation policy's duty-leader step would page in the coming days)."""
    q = select(Person).join(RosterSlot, RosterSlot.person_id == Person.id).where(
        RosterSlot.post == post, RosterSlot.starts_at < end, RosterSlot.ends_at > start, Person.active)
    if unit_id is not None:
        q = q.where(RosterSlot.unit_id == unit_id)
    return list({p.id: p for p in session.execute(q.limit(500)).scalars()}.values())


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
    # a rostered person on leave on their day shows 请假 and who acts for them (the dashboard's rule: acting_for)
    leaves = [to_rule(lv) for lv in leaves_between(session, first - timedelta(days=1), last + timedelta(days=1))]
    away = {r.id: acting_during(str(r.person_id), r.starts_at, r.ends_at, leaves, tz) for r in rows} if leaves else {}
    stand_ins = {uuid.UUID(a.person) for a in away.values() if a is not None and a.person != a.chain[0]}
    acting_names = {p.id: p.name for p in session.execute(select(Person).where(Person.id.in_(stand_ins))).scalars()} \
        if stand_ins else {}
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
            "mobile": p.mobile if p else "", "why": explain(a, r.why, names),
            "on_leave": away.get(r.id) is not None,
            "acting": acting_names.get(uuid.UUID(away[r.id].person), "") if away.get(r.id) is not None else ""})
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
        # the office's own title and footer when the month was imported from its file ("" otherwise)
        "title": row.title if row else "", "footer": row.footer if row else "",
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
