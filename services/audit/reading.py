"""Reading the audit log (审计日志) for auditors: filters, pages, and names instead of ids.

Only roles that may read the record (审计员 and 管理员) get it; the decision is made here, so the console, the API
and the CLI cannot disagree. Entries come back with the actor, the unit and the target resolved to what people
call them, and with the fields that changed (before → after). Wording (labels in zh-CN / English) is the
presentation layer's; this module returns names and raw values.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from core.errors import Forbidden
from models.accounts import ApiToken, Role, User
from models.audit import AuditEntry
from models.deliveries import Delivery
from models.directory import Person, Unit
from models.incidents.records import Incident
from models.rosters.roster import RosterMonth, RosterSlot
from models.spotchecks.checks import PlannedCheck
from models.spotchecks.inspections import Circular
from services.access import Actor

READERS = frozenset({Role.admin, Role.auditor})
PAGE = 50
MAX_PAGE = 1000
NOISE = frozenset({"id", "created_at", "updated_at", "password_hash", "token_hash", "code_hash"})  # never a change people read
SYSTEM_PREFIXES = ("system", "flow", "engine", "cli", "test", "demo")
# An acknowledgement through a link, a reply, a key press or a card is recorded as "<via>:<person's name>"; a
# link's via names the channel that carried it (wecom_link, email_link …: services/incidents/acks.LINKS).
VIA_PREFIXES = ("link", "sms", "voice", "card", "console")
# Which entities have a name people know, and where it is.
_NAMED = {"unit": (Unit, "name"), "person": (Person, "name"), "incident": (Incident, "title"),
          "user": (User, "username")}
# Fields whose value is who did something, written as an actor ("token:duty", "engine").
def is_actor_field(name: str) -> bool:
    return name.endswith("_by") or name in ("who", "actor")


# Entities named from their own record: the ids there are looked up with the page's others.
_SELF_NAMED = frozenset({"leave", "phone_check", "planned_check", "incident_report", "instruction",
                         "explanation_request"})
# Roster entries name their unit and month (a month's id) or their unit (a unit's id: generation, posts, policy);
# a slot its unit and day. Never a short id.
_ROSTER = frozenset({"roster", "roster_slot", "duty_post", "roster_policy"})


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None  # UTC, inclusive
    until: datetime | None = None  # UTC, exclusive
    actor: str = ""  # a username or a display name (matches its console and token entries), or a raw actor string
    action: str = ""
    entity: str = ""
    unit_id: str = ""
    pos_at_most: int | None = None  # a chain problem's link: entry 第 N 号 (its chain position) and those before it


@dataclass(frozen=True)
class Who:
    raw: str
    kind: str  # user | token | person | system | unknown
    name: str  # the person's name, the account's, or the system part
    role: Role | None = None
    token: str = ""  # the API token's name, when only one of the account's tokens was valid at the time
    via: str = ""  # how a person acted without an account (enum.via): link, sms, voice, card


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass
class EntryView:
    seq: int  # the row's internal id (an anchor for a pending entry); the number shown is `pos`
    at: datetime
    who: Who
    action: str
    entity: str
    entity_id: str
    target: str  # the target's name, "" when it has none
    unit_id: str
    unit: str  # the unit's name, "" when none
    note: str
    changes: list[Change] = field(default_factory=list)
    shape: str = "change"  # change | new (nothing before) | gone (nothing after)
    actors: dict[str, Who] = field(default_factory=dict)  # a changed value that is an actor (报备人 token:duty)
    target_label: str = ""  # a label key the target's name goes with (a report's kind: enum.report_kind.first)
    target_at: datetime | None = None  # the time the target's name goes with (a phone check's call)
    pos: int | None = None  # the entry's number (第 N 号, its chain position); None while pending (待封存)


@dataclass
class Page:
    entries: list[EntryView]
    total: int
    offset: int
    limit: int
    names: dict[str, str]  # every id seen in the changes → its name (units, people, accounts)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.entries) < self.total

    @property
    def has_prev(self) -> bool:
        return self.offset > 0


def require_reader(by: Actor) -> None:
    """403 unless the caller may read the audit log."""
    if by.role not in READERS:
        raise Forbidden("只有审计员和管理员可以查看审计日志 (only auditors and administrators read the audit log)")


def actor_keys(session: Session, text: str) -> list[str]:
    """The actor strings an actor filter matches: the text as given (a username, or a raw actor such as "engine"),
    and each account or person known by that name: a display name ("李明", or "值班员 李明" by its last word) or
    the name of the person an account is linked to, so an auditor can filter by the name the page shows."""
    text = text.strip()
    users, keys = {text}, []
    for u, linked in session.exec(select(User, Person.name).join(Person, Person.id == User.person_id, isouter=True)):
        shown = (u.display_name or "").strip()
        if text in (shown, linked) or (shown.split() and shown.split()[-1] == text):
            users.add(u.username)
    for username in sorted(users):
        keys += [username, f"token:{username}", f"user:{username}"]
    keys += [f"person:{pid}" for pid in session.exec(select(Person.id).where(Person.name == text))]
    return keys


def _where(q, f: Filters, session: Session):
    if f.since is not None:
        q = q.where(AuditEntry.at >= f.since)
    if f.until is not None:
        q = q.where(AuditEntry.at < f.until)
    if f.actor:
        q = q.where(AuditEntry.actor.in_(actor_keys(session, f.actor)))
    if f.action:
        q = q.where(action_where(f.action))
    if f.entity:
        q = q.where(AuditEntry.entity == f.entity)
    if f.unit_id:
        q = q.where(AuditEntry.unit_id == f.unit_id)
    if f.pos_at_most is not None:
        q = q.where(AuditEntry.chain_pos <= f.pos_at_most)
    return q


# Newest first: the pending entries (待封存, no number yet), then the sealed ones by their number (chain position).
# `seq` is only the row's id; on PostgreSQL it has gaps and need not follow the chain, so it is never the number.
NEWEST_FIRST = (AuditEntry.chain_pos.desc().nulls_first(), AuditEntry.seq.desc())


def changes_of(before: dict | None, after: dict | None) -> list[Change]:
    """The fields that differ, in the record's order: all set fields of a new record, all of a removed one."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    out = []
    for k in keys:
        if k in NOISE:
            continue
        b, a = before.get(k), after.get(k)
        if b == a or (not before and a in (None, "", [], {})) or (not after and b in (None, "", [], {})):
            continue
        out.append(Change(k, b, a))
    return out


def _as_uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _parse_actor(raw: str) -> tuple[str, str]:
    """(kind, key): user/token by username, person by id, system by its name."""
    head, _, rest = raw.partition(":")
    if rest and head == "token":
        return "token", rest
    if rest and head == "user":
        return "user", rest
    if rest and head == "person":
        return "person", rest
    if rest and (head in VIA_PREFIXES or head.endswith("_link")):
        return "via", raw
    if re.split(r"[-_.]", head, maxsplit=1)[0] in SYSTEM_PREFIXES:
        return "system", raw
    return "user", raw


class _Names:
    """Batch look-ups of the names behind ids and usernames (one query per kind per page)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, str] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[uuid.UUID, list[ApiToken]] = {}
        self.rosters: dict[str, str] = {}

    def load_ids(self, ids: set[uuid.UUID]) -> None:
        if not ids:
            return
        for model, attr in ((Unit, "name"), (Person, "name"), (Incident, "title")):
            for row in self.session.exec(select(model.id, getattr(model, attr)).where(model.id.in_(ids))):
                self.ids.setdefault(str(row[0]), row[1])
        for user in self.session.exec(select(User).where(User.id.in_(ids))):
            self.ids[str(user.id)] = user.display_name or user.username
        for key, number in self.session.exec(select(Circular.id, Circular.doc_number).where(Circular.id.in_(ids))):
            self.ids.setdefault(str(key), number)
        for key, unit in self.session.exec(select(PlannedCheck.id, Unit.name).join(
                Unit, Unit.id == PlannedCheck.unit_id).where(PlannedCheck.id.in_(ids))):
            self.ids.setdefault(str(key), unit)  # a planned check by its unit (its time is on the check itself)
        for key, person, recipient in self.session.exec(select(Delivery.id, Person.name, Delivery.recipient).join(
                Person, Person.id == Delivery.person_id, isouter=True).where(Delivery.id.in_(ids))):
            who = person or (recipient or {}).get("name") or ""
            if who:
                self.ids.setdefault(str(key), who)  # a message by whom it went to (its channel is on the entry)

    def load_rosters(self, months: set[uuid.UUID], slots: set[int]) -> None:
        """"高观镇 2026-12" for a roster month's id, "高观镇 2026-12-03" for a slot's (units are in `ids` already)."""
        found = []
        if months:
            found += self.session.exec(select(RosterMonth.id, Unit.name, RosterMonth.month)
                                       .join(Unit, Unit.id == RosterMonth.unit_id).where(RosterMonth.id.in_(months)))
        if slots:
            found += self.session.exec(select(RosterSlot.id, Unit.name, RosterSlot.day)
                                       .join(Unit, Unit.id == RosterSlot.unit_id).where(RosterSlot.id.in_(slots)))
        for key, unit, when in found:
            self.rosters[str(key)] = f"{unit} {when}"

    def target(self, e: AuditEntry) -> str:
        if e.entity in _NAMED:
            return self.ids.get(e.entity_id, "")
        rec = _record(e)
        if e.entity == "leave" and rec.get("person_id"):
            days = "—".join(dict.fromkeys(str(rec[k]) for k in ("start_day", "end_day") if rec.get(k)))
            return f"{self.ids.get(str(rec['person_id']), '')} {days}".strip()
        if e.entity in ("incident_report", "instruction") and rec.get("incident_id"):
            return self.ids.get(str(rec["incident_id"]), "")
        if e.entity in ("phone_check", "planned_check", "explanation_request", "duty_pool"):
            return self.ids.get(str(rec.get("unit_id") or e.unit_id), "")
        if e.entity == "access":
            return str(rec.get("path", ""))
        for key in ("title", "doc_number", "name", "label"):  # a record that carries its own name (a circular's number)
            if isinstance(rec.get(key), str) and rec[key]:
                return rec[key]
        if e.entity in _ROSTER:
            months = (e.after or {}).get("months", "") if isinstance(e.after, dict) else ""
            unit = self.ids.get(e.entity_id, "")
            return self.rosters.get(e.entity_id) or (f"{unit} {months}".strip() if unit else "")
        return ""

    def load_users(self, usernames: set[str]) -> None:
        if usernames:
            self.users.update({u.username: u for u in self.session.exec(select(User).where(
                User.username.in_(usernames)))})

    def load_tokens(self, usernames: set[str]) -> None:
        ids = [self.users[n].id for n in usernames if n in self.users]
        if ids:
            for t in self.session.exec(select(ApiToken).where(ApiToken.user_id.in_(ids))):
                self.tokens.setdefault(t.user_id, []).append(t)

    def token_name(self, user: User, at: datetime) -> str:
        """The entry names only the account; when one token alone was valid then, it was that one."""
        valid = [t for t in self.tokens.get(user.id, ()) if t.created_at <= at
                 and (t.revoked_at is None or t.revoked_at > at)]
        return valid[0].name if len(valid) == 1 else ""

    def who(self, raw: str, at: datetime) -> Who:
        kind, key = _parse_actor(raw)
        if kind == "system":
            return Who(raw, "system", key)
        if kind == "person":
            return Who(raw, "person", self.ids.get(key, key))
        if kind == "via":
            via, _, name = key.partition(":")
            return Who(raw, "person", name if name != "anonymous" else "", via=via)
        user = self.users.get(key)
        if user is None:
            return Who(raw, "unknown" if kind == "user" else kind, key)
        person = self.ids.get(str(user.person_id)) if user.person_id else None
        token = self.token_name(user, at) if kind == "token" else ""
        return Who(raw, kind, user.shown_name(person), user.role, token)


def _record(e: AuditEntry) -> dict:
    """The entry's record as it stands after (or before, when removed)."""
    rec = e.after if isinstance(e.after, dict) and e.after else e.before
    return rec if isinstance(rec, dict) else {}


def _target_extras(e: AuditEntry) -> tuple[str, datetime | None]:
    rec = _record(e)
    label = f"enum.report_kind.{rec['kind']}" if e.entity == "incident_report" and rec.get("kind") else ""
    when = rec.get("started_at") or rec.get("planned_at") or rec.get("due_at") if e.entity in (
        "phone_check", "planned_check") else None
    try:
        return label, datetime.fromisoformat(when) if isinstance(when, str) else None
    except ValueError:
        return label, None


def _shape(e: AuditEntry) -> str:
    if e.after and not e.before:
        return "new"
    if e.before and not e.after:
        return "gone"
    return "change"


def list_entries(*, session: Session, by: Actor, filters: Filters = Filters(), offset: int = 0,
                 limit: int = PAGE) -> Page:
    """One page of the audit log, newest first, with names resolved; only for auditors and administrators."""
    require_reader(by)
    offset, limit = max(0, offset), min(max(1, limit), MAX_PAGE)
    total = session.exec(_where(select(func.count()).select_from(AuditEntry), filters, session)).one()
    rows = list(session.exec(_where(select(AuditEntry), filters, session).order_by(*NEWEST_FIRST)
                             .offset(offset).limit(limit)))
    names = _Names(session)
    ids: set[uuid.UUID] = set()
    usernames: set[str] = set()
    by_token: set[str] = set()
    per_row = []
    for e in rows:
        changes = changes_of(e.before, e.after)
        per_row.append(changes)
        for v in (e.entity_id, e.unit_id):
            if (u := _as_uuid(v)) is not None:
                ids.add(u)
        kind, key = _parse_actor(e.actor)
        if kind == "person" and (u := _as_uuid(key)):
            ids.add(u)
        elif kind in ("user", "token"):
            usernames.add(key)
            if kind == "token":
                by_token.add(key)
        for ch in changes:
            for v in (ch.before, ch.after):
                for item in v if isinstance(v, list) else (v,):
                    if (u := _as_uuid(item)) is not None:
                        ids.add(u)
                    elif isinstance(item, str) and item and is_actor_field(ch.field):
                        kind, key = _parse_actor(item)
                        if kind in ("user", "token"):
                            usernames.add(key)
                            if kind == "token":
                                by_token.add(key)
        if e.entity in _SELF_NAMED:
            for k in ("person_id", "incident_id", "unit_id"):
                if (u := _as_uuid(_record(e).get(k))) is not None:
                    ids.add(u)
    names.load_users(usernames)
    names.load_tokens(by_token)
    ids |= {u.person_id for u in names.users.values() if u.person_id}
    names.load_ids(ids)
    names.load_rosters({u for e in rows if e.entity == "roster" and (u := _as_uuid(e.entity_id)) is not None},
                       {int(e.entity_id) for e in rows if e.entity == "roster_slot" and e.entity_id.isdigit()
                        and int(e.entity_id) < 2**63})
    entries = [EntryView(e.seq, e.at, names.who(e.actor, e.at), e.action, e.entity, e.entity_id,
                         names.target(e), e.unit_id, names.ids.get(e.unit_id, ""), e.note, ch, _shape(e),
                         _actors(names, e, ch), *_target_extras(e), pos=e.chain_pos) for e, ch in zip(rows, per_row)]
    return Page(entries, total, offset, limit, names.ids)


def _actors(names: _Names, e: AuditEntry, changes: list[Change]) -> dict[str, Who]:
    """The values of an entry's changes that are actors (not ids: those are names already), as the actor column."""
    found = {}
    for ch in changes:
        if is_actor_field(ch.field):
            for v in (ch.before, ch.after):
                if isinstance(v, str) and v and _as_uuid(v) is None and v not in found:
                    found[v] = names.who(v, e.at)
    return found


def raw_entries(*, session: Session, by: Actor, entity: str = "", actor: str = "", action: str = "",
                before_pos: int | None = None, before_seq: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """The entries as recorded (the API's view), newest first; with `before_pos`, the sealed entries numbered
    below it (the next page). `before_seq` (the row id, deprecated: it has gaps on PostgreSQL) is kept for old
    clients."""
    require_reader(by)
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action == action)
    if before_pos:
        q = q.where(AuditEntry.chain_pos < before_pos)
    if before_seq:
        q = q.where(AuditEntry.seq < before_seq)
    return list(session.exec(q.order_by(*NEWEST_FIRST).limit(min(max(1, limit), MAX_PAGE))))


def action_where(choice: str):
    """The filter's action choice: a code (update), or several that read the same (update,edit), each maybe
    narrowed to an entity (receipt@incident: an incident's 签收, not a phone check's 回执)."""
    conds = []
    for token in (t.strip() for t in choice.split(",")):
        action, _, entity = token.partition("@")
        if action:
            conds.append(and_(AuditEntry.action == action, AuditEntry.entity == entity) if entity
                         else AuditEntry.action == action)
    return or_(*conds) if conds else AuditEntry.action == choice


def action_pairs_in_use(*, session: Session, by: Actor) -> list[tuple[str, str]]:
    """The (action, entity) pairs the record holds: the filter's choices, worded per entity where that differs."""
    require_reader(by)
    return sorted(session.exec(select(AuditEntry.action, AuditEntry.entity).distinct()).all())


def actions_in_use(*, session: Session, by: Actor) -> list[str]:
    """The actions the record holds (the filter's choices)."""
    require_reader(by)
    return sorted(session.exec(select(AuditEntry.action).distinct()))


def entities_in_use(*, session: Session, by: Actor) -> list[str]:
    require_reader(by)
    return sorted(session.exec(select(AuditEntry.entity).distinct()))
