"""The one adapter to the roster, directory and delivery features: who to notify, and how a message goes out.

Rosters (`services.rosters.views.on_duty_now`), leave (`services.rosters.absences.acting_person_id`), personal
notification rules (`services.directory.contacts.escalation_plan`) and the delivery outbox
(`services.deliveries.enqueue`) belong to other features; every call to them is here.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models.accounts import Role, User
from models.deliveries import Delivery
from models.directory import Person, Unit, UnitType
from models.incidents.escalation import Notice
from models.incidents.records import Incident
from models.types import new_id
from rules.incidents.escalation import Target, TargetKind
from services.deliveries import cancel_queued, enqueue, know_accounts  # noqa: F401 (know_accounts: fire's)
from services.deliveries.channels import list_channels
from services.deliveries import mark_acknowledged as mark_acknowledged_
from services.directory.contacts import Reach, escalation_plan
from services.rosters.absences import acting_person_id, leaves_around
from services.rosters.views import on_duty_now, people_rostered, post_rostered

log = logging.getLogger("dutydesk.incidents")


# How an acknowledgement came, as people say it (the record keeps the internal value).
VIA_ZH = {"link": "短信链接", "inbox_link": "站内消息链接", "wecom_link": "企业微信链接", "dingtalk_link": "钉钉链接",
          "feishu_link": "飞书链接", "email_link": "邮件链接", "msg_link": "消息链接", "console": "控制台", "sms": "短信回复",
          "voice": "语音按键", "card": "卡片消息"}
# The way an acknowledgement link came, by the kind of channel whose message carried it (a text message's link is
# "link"); an unconfigured channel by its name (the default ladder's wecom, sms …: settings.directory); a kind not
# named here (a webhook, Apprise) is a message's link (消息链接), not a text message's.
LINK_VIA = {"inbox": "inbox_link", "wecom": "wecom_link", "wecom_app": "wecom_link", "dingtalk": "dingtalk_link",
            "feishu": "feishu_link", "email": "email_link", "aliyun_sms": "link", "tencent_sms": "link", "sms": "link"}

def on_duty_leaders(session: Session, unit_id: uuid.UUID, at: datetime) -> list[Person]:
    """The duty leader(s) (带班领导) of `unit_id` at `at`, from the published roster."""
    rows = on_duty_now(session=session, now=at, unit_id=unit_id)
    ids = [uuid.UUID(p["person_id"]) for u in rows for p in u["people"] if p["post"] == "leader"]
    return [p for p in (session.get(Person, i) for i in ids) if p is not None and p.active]


def acting_person(session: Session, person: Person, at: datetime, tz: str, leaves=None) -> Person | None:
    """Who acts for `person` at `at` (主持工作) while they are on leave (leave days are local to `tz`); None
    when they are present. `leaves`: `leaves_around(session, at)`, when read already."""
    pid = acting_person_id(session=session, person_id=person.id, at=at, tz=tz, leaves=leaves)
    return None if pid == person.id else session.get(Person, pid)


@dataclass(frozen=True)
class Resolved:
    person: Person
    acting_for: str = ""  # name of the person on leave this one replaces
    for_person: Person | None = None  # that person


def hub_unit(session: Session) -> Unit | None:
    """The county duty office (总值班室)."""
    return session.exec(select(Unit).where(Unit.type == UnitType.county_office, Unit.active)).first()


def _memo(memo: dict | None, key, make):
    """`make()` once per key within one tick (one `at`, one transaction); no memo: every time."""
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _candidates(session: Session, incident: Incident, target: Target, at: datetime) -> list[Person]:
    if target.kind is TargetKind.person:
        p = session.get(Person, uuid.UUID(target.ref)) if target.ref else None
        return [p] if p and p.active else []
    if target.kind is TargetKind.role:
        ids = session.exec(select(User.person_id).where(User.role == target.ref, User.active,
                                                        User.person_id.is_not(None))).all()
        return [p for p in (session.get(Person, i) for i in ids) if p and p.active]
    hub = hub_unit(session)  # only the kinds below look at the duty office (a query per target)
    hub_id = hub.id if hub else incident.unit_id
    if target.kind is TargetKind.duty_leader_now:
        return on_duty_leaders(session, incident.unit_id if target.ref == "incident" else hub_id, at)
    if target.kind is TargetKind.category_leader:
        people = session.exec(select(Person).where(Person.active, Person.unit_id == hub_id)).all()
        return [p for p in people if incident.category in (p.domain_categories or [])]
    if target.kind is TargetKind.unit_head:
        unit_id = incident.unit_id if target.ref == "incident" else hub_id
        return list(session.exec(select(Person).where(Person.active, Person.unit_id == unit_id,
                                                      Person.is_unit_head)))
    return []


def reach_problem(session: Session, target: Target, categories: list[str] | None) -> str | None:
    """Why `target` can reach nobody whatever incident comes (zh-CN), or None. A target of the incident's own
    unit (`ref == "incident"`) depends on the incident: only its kind is checked."""
    hub = hub_unit(session)
    people = lambda *where: session.exec(select(Person.id).where(Person.active, *where)).first()  # noqa: E731
    if target.kind is TargetKind.person:
        try:
            p = session.get(Person, uuid.UUID(target.ref))
        except ValueError:
            p = None
        return None if p is not None and p.active else f"人员“{target.ref}”不存在或已停用"
    if target.kind is TargetKind.role:
        if target.ref not in {r.value for r in Role}:
            return f"没有“{target.ref}”这个角色"
        held = session.exec(select(User.id).join(Person, Person.id == User.person_id).where(
            User.role == target.ref, User.active, Person.active)).first()
        return None if held is not None else "没有在职人员担任此角色（或其账号未关联人员）"
    if target.ref not in ("", "incident"):
        return f"“{target.ref}”不是可选的单位（总值班室或事发单位）"
    if target.ref == "incident":
        return None if target.kind in (TargetKind.duty_leader_now, TargetKind.unit_head) else "分管领导只在总值班室"
    if hub is None:
        return "尚未设置总值班室单位"
    if target.kind is TargetKind.duty_leader_now:
        return None if people(Person.unit_id == hub.id) else "总值班室没有在职人员，无人带班"
    if target.kind is TargetKind.unit_head:
        return None if people(Person.unit_id == hub.id, Person.is_unit_head) else "总值班室没有设置主要领导"
    if target.kind is TargetKind.category_leader:
        found = session.exec(select(Person.domain_categories).where(Person.active, Person.unit_id == hub.id)).all()
        held = {c for cats in found for c in (cats or [])}
        missing = [c for c in (categories or []) if c not in held]
        if not held or missing:
            return "没有分管" + ("这些事件类别" if missing else "任何事件类别") + "的领导"
        return None
    return "未知的通知对象类型"


ROSTER_AHEAD = timedelta(days=7)  # how far ahead a policy's duty leader must be rostered to be relied on


def roster_problem(session: Session, target: Target, now: datetime) -> str | None:
    """Why the county duty office's duty leader (带班领导) cannot be reached in the coming days (zh-CN), or None:
    no published roster names a leader from `now` to a week ahead, so a step paging only them pages nobody. The
    incident's own unit's leader depends on the incident: not checked."""
    if target.kind is not TargetKind.duty_leader_now or target.ref == "incident":
        return None
    hub = hub_unit(session)
    if hub is None or post_rostered(session, hub.id, "leader", now, now + ROSTER_AHEAD):
        return None
    return (f"{hub.name}未来{ROSTER_AHEAD.days}天的值班表没有安排带班领导，当班带班领导无人可通知；请先排班并发布，"
            "或为这一步加上其他通知对象")


def rostered_leaders(session: Session, unit_id: uuid.UUID | None, now: datetime) -> list[Person]:
    """The people rostered as duty leader (带班领导) of `unit_id` (of any unit: None) in the coming week."""
    return people_rostered(session, unit_id, "leader", now, now + ROSTER_AHEAD)


def without_account(session: Session, target: Target, categories: list[str] | None) -> list[str]:
    """Names of the people `target` may resolve to who have no active console account: a step whose only channels
    are the console inbox reaches none of them. The duty leader on duty is known only when the step fires, and a
    role is held by accounts: neither is listed."""
    if target.ref == "incident":
        return []
    q = select(Person).where(Person.active)
    if target.kind is TargetKind.person:
        try:
            q = q.where(Person.id == uuid.UUID(target.ref))
        except ValueError:
            return []
    elif target.kind in (TargetKind.unit_head, TargetKind.category_leader):
        hub = hub_unit(session)
        if hub is None:
            return []
        q = q.where(Person.unit_id == hub.id)
        if target.kind is TargetKind.unit_head:
            q = q.where(Person.is_unit_head)
    else:
        return []
    people = list(session.exec(q))
    if target.kind is TargetKind.category_leader:
        people = [p for p in people if p.domain_categories
                  and (categories is None or set(p.domain_categories) & set(categories))]
    with_account = set(session.exec(select(User.person_id).where(User.active, User.person_id.in_(
        [p.id for p in people])))) if people else set()
    return [p.name for p in people if p.id not in with_account]


INCIDENT_TARGETS = {TargetKind.unit_head: "事发单位主要领导"}  # an incident-dependent target checked by its pool


def incident_pool_unreadable(session: Session, target: Target) -> str | None:
    """The name of a target that depends on the incident (事发单位主要领导) when none of the people it could be has
    an active console account, so a message to it in the console inbox is never read; else None. (The incident's
    own duty leader is known only from the roster at fire time: not checked.)"""
    if target.ref != "incident" or target.kind not in INCIDENT_TARGETS:
        return None
    pool = session.exec(select(Person.id).where(Person.active, Person.is_unit_head)).all()
    readable = session.exec(select(User.id).where(User.active, User.person_id.in_(pool)).limit(1)).first() \
        if pool else None
    return None if readable is not None else INCIDENT_TARGETS[target.kind]


def inbox_channels(session: Session) -> set[str]:
    """Names of the configured channels that are the console inbox."""
    return {c.name for c in list_channels(session=session) if c.kind == "inbox"}


def channel_titles(session: Session) -> dict[str, str]:
    """Configured channels: name -> the title people know it by (its name when it has none)."""
    return {c.name: c.title or c.name for c in list_channels(session=session)}


def resolve_targets(session: Session, *, incident: Incident, targets, at: datetime, tz: str,
                    memo: dict | None = None, redirects: list[Resolved] | None = None
                    ) -> tuple[list[Resolved], list[Target]]:
    """People to notify now (acting persons replacing those on leave), and targets nobody resolved.

    `memo`: a dict shared by the steps of one tick, so each target and each absence is looked up once per tick.
    `redirects` collects the replacements that added nobody (the acting person was a target already), so the
    timeline can still say who stood in for whom."""
    out: list[Resolved] = []
    unresolved: list[Target] = []
    seen: set[uuid.UUID] = set()
    leaves: list = []  # the leaves around `at`, read once for every person of these targets

    def acting_of(p: Person) -> Person | None:
        if not leaves:
            leaves.append(leaves_around(session, at))
        return acting_person(session, p, at, tz, leaves[0])

    for t in targets:
        # a target's people depend on the incident only through its unit and category
        found = _memo(memo, ("who", t, incident.unit_id, incident.category, at),
                      lambda: _candidates(session, incident, t, at))
        if not found:
            unresolved.append(t)
        for p in found:
            acting = _memo(memo, ("acting", p.id, at), lambda: acting_of(p))
            r = Resolved(acting, p.name, p) if acting is not None else Resolved(p)
            if r.person.id not in seen:
                seen.add(r.person.id)
                out.append(r)
            elif r.for_person is not None and redirects is not None:
                redirects.append(r)
    return out, unresolved


def address_of(person: Person | None, channel: str) -> str:
    """The person's address on a channel ('' when unknown)."""
    if person is None:
        return ""
    return {"wecom": person.wecom_id, "wecom_app": person.wecom_id, "dingtalk": person.dingtalk_id,
            "feishu": person.feishu_id, "email": person.email}.get(channel, person.mobile)


def personal_plan(session: Session, person: Person, settings) -> list[Reach]:
    """The person's notification rules over their verified contact methods (empty: none to rely on)."""
    return escalation_plan(session, person, settings)


def send(session: Session, *, key: str, purpose: str, channel: str, subject: str, body: str, at: datetime,
         incident_id: uuid.UUID | None = None, person: Person | None = None, recipient: str = "",
         address: str = "", ladder: tuple[str, ...] = (), step_seq: int | None = None, acting_for: str = "",
         ack_url: str = "", step: str = "", for_person_id: uuid.UUID | None = None,
         due_at: datetime | None = None, unit: Unit | None = None, figures: list[dict] | None = None) -> dict:
    """Record a message on the timeline and put it in the delivery outbox, in the caller's transaction; `due_at`
    (a personal rule's delay) is when it goes out, and the time the timeline shows. `unit`: a message to a unit as
    a whole (its name and code are the recipient and address unless given): its duty officers read it in their
    console inbox. `figures`: what a 续报/终报 notice told (stored with it, as told.figures_told reads them)."""
    if unit is not None and person is None:
        recipient, address = recipient or unit.name, address or unit.code
    values = dict(id=new_id(), key=key, purpose=purpose, channel=channel, subject=subject[:200], body=body[:4000],
                  at=due_at or at, incident_id=incident_id, person_id=person.id if person else None,
                  recipient=(recipient or (person.name if person else address))[:120],
                  address=(address or address_of(person, channel))[:200], ladder=list(ladder or (channel,)),
                  step_seq=step_seq, acting_for=acting_for, for_person_id=for_person_id, delivery_id="",
                  figures=figures)
    if channel != "none":
        delivery = enqueue(session=session, source="incident", source_id=str(incident_id or ""), step=step or key[-40:],
                           text=body, ladder=values["ladder"], person=person,
                           recipient=None if person else {"name": values["recipient"]}, address=address or None,
                           subject=subject, ack_url=ack_url or None, now=at, due_at=due_at,
                           unit_id=unit.id if unit is not None and person is None else None)
        values["delivery_id"] = str(delivery.id)
    elif session.new or session.dirty:
        session.flush()  # the incident this notice points at goes first (enqueue flushes on the other path)
    # a Core INSERT: a timeline row is written once and never changed, so it needs no ORM object (a step sends
    # several); the unique key still refuses a second send of the same message, at once
    session.connection().execute(_NOTICE_INSERT, values)
    return values


_NOTICE_INSERT = Notice.__table__.insert()


def mark_acknowledged(session: Session, *, incident_id: uuid.UUID, person_id: uuid.UUID, at: datetime,
                      via: str) -> None:
    """The person's incident messages say they acknowledged (their inbox shows no second button)."""
    mark_acknowledged_(session=session, source="incident", source_id=str(incident_id), person_id=person_id, at=at,
                       detail=f"已确认收到（{VIA_ZH.get(via, via)}）")


RULE_STEP = "step:{seq}:r{n}"  # the outbox step of a personal rule's message (on_delivery_ack reads "step:")


def cancel_personal(session: Session, *, incident_id: uuid.UUID, person_id: uuid.UUID | None = None) -> int:
    """Personal-rule messages of the incident still waiting for their delay are withdrawn (of one person, who
    acknowledged; or of everyone, once the escalation stopped): the rest of a plan is not sent after an ack."""
    return cancel_queued(session=session, source="incident", source_id=str(incident_id), person_id=person_id,
                         step_like=RULE_STEP.format(seq="%", n="%"))


@dataclass(frozen=True)
class Outcome:
    """A message's live outcome: its last rung's state (queued / sending / sent / delivered / failed / unknown /
    cancelled) and channel."""

    state: str
    channel: str
    error: str = ""
    at: datetime | None = None


def outcomes(session: Session, delivery_ids: list[str]) -> dict[str, Outcome]:
    """Live outcome per outbox row id (a ladder's later rungs, `superseded_by`, speak for it)."""
    ids = [uuid.UUID(i) for i in delivery_ids if i]
    if not ids:
        return {}
    rows = {d.id: d for d in session.exec(select(Delivery).where(Delivery.id.in_(ids)))}
    nxt = [d.superseded_by for d in rows.values() if d.superseded_by and d.superseded_by not in rows]
    while nxt:  # follow each ladder to its last rung
        more = {d.id: d for d in session.exec(select(Delivery).where(Delivery.id.in_(nxt)))}
        rows.update(more)
        nxt = [d.superseded_by for d in more.values() if d.superseded_by and d.superseded_by not in rows]
    out = {}
    for i in ids:
        d, seen = rows.get(i), set()
        while d is not None and d.superseded_by and d.superseded_by in rows and d.id not in seen:
            seen.add(d.id)
            d = rows[d.superseded_by]
        if d is not None:
            out[str(i)] = Outcome(d.state, d.channel, d.last_error, d.delivered_at or d.sent_at or d.created_at)
    return out


def upward_reached(session: Session, states: tuple[str, ...]) -> set[str]:
    """Incident ids (as text) with an upward delivery in one of `states`."""
    return set(session.exec(select(Delivery.source_id).where(Delivery.source == "incident",
                                                             Delivery.step.startswith("up:"),
                                                             Delivery.state.in_(states))).all())
