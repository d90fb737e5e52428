"""Acknowledgements (确认收到) and signed, expiring, single-use acknowledgement links."""

from __future__ import annotations

import base64
import logging
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from core.settings import Settings
from models.accounts import Role
from models.deliveries import ChannelConfig, Delivery
from models.directory import Person
from models.incidents.escalation import Acknowledgement, AckToken, EscalationState, Notice
from models.incidents.instructions import Instruction, InstructionItem
from models.incidents.records import Incident, Report
from models.types import new_id
from rules.incidents import escalation as esc
from services import audit
from services.access import Actor
from services.incidents import targets
from services.incidents.lookups import get_incident, incident_for
from services.incidents.wakeups import wake_after_commit
from services.rosters.absences import acting_person_id

log = logging.getLogger("dutydesk.incidents.acks")
LINKS = ("link", "inbox_link", "wecom_link", "dingtalk_link", "feishu_link", "email_link", "msg_link")
VIA = (*LINKS, "console", "sms", "voice", "card")
AUTOMATIC = tuple(f"{v}:" for v in (*LINKS, "voice", "sms", "card"))  # the system actors of a link or a receipt
ACK_ROLES = (Role.admin, Role.duty_officer, Role.leader)  # web/access.py "incidents:ack"


def _sign(body: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest()[:18]).decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(session: Session, *, incident_id: uuid.UUID, person: Person | None, now: datetime,
              settings: Settings) -> str:
    """A new acknowledgement URL for one person; only the token's hash is stored."""
    expires = now + timedelta(hours=settings.incidents.ack_link_hours)
    body = f"{secrets.token_urlsafe(12)}.{int(expires.timestamp())}"
    token = f"{body}.{_sign(body, settings)}"
    if session.new or session.dirty:
        session.flush()  # the incident (or person) the token points at goes first
    # a Core INSERT: a token is written once here and only read or claimed later (a step makes one per person;
    # an ORM object would cost a unit-of-work flush each)
    session.connection().execute(_TOKEN_INSERT, dict(
        id=new_id(), token_hash=_hash(token), incident_id=incident_id, person_id=person.id if person else None,
        expires_at=expires, used_at=None, created_at=now))
    return f"{settings.public_url}/ack/{token}"


_TOKEN_INSERT = AckToken.__table__.insert()


# An acknowledgement link inside a message's text: its host and path, then the token (base64url and dots)
LINK = re.compile(r"(?:https?://[^\s/]+)?(?:/[^\s]*?)?/ack/[A-Za-z0-9_.=~-]+")
HIDDEN = {"zh-CN": "（确认链接，仅收件人可用）", "en": "(acknowledgement link, for the recipient only)",
          # the API speaks both, as its reasons do
          "api": "（确认链接，仅收件人可用 / acknowledgement link, for the recipient only）"}


def hide_links(text: str | None, lang: str = "api") -> str | None:
    """A message's text as anyone but its recipient reads it: each acknowledgement link replaced by a label, so
    the duty office and the auditor can read what was sent without holding a link that acknowledges for the
    recipient."""
    return LINK.sub(HIDDEN.get(lang, HIDDEN["api"]), text) if text else text


def link_under(url: str, public_url: str) -> str:
    """An acknowledgement link as people should open it now: under the configured base URL (settings.public_url).
    A link written before the base changed (the demo seeded on port 8000, the console served elsewhere) keeps its
    token and loses its old host; any other URL is returned as it is."""
    parts = urlsplit(url or "")
    if not parts.path.startswith("/ack/"):
        return url
    return f"{public_url.rstrip('/')}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def check_link(session: Session, token: str, now: datetime, *, settings: Settings) -> AckToken:
    """The token's row if it is genuine, unused and unexpired; else NotFound / Gone (nothing changes)."""
    body = token.rpartition(".")[0]
    if not _genuine(token, settings):
        raise NotFound("确认链接无效 (invalid link)", field="token")
    row = session.exec(select(AckToken).where(AckToken.token_hash == _hash(token))).first()
    if row is None:
        raise NotFound("确认链接无效 (invalid link)", field="token")
    if row.used_at is not None:
        raise Gone("确认链接已使用过 (link already used)", field="token")
    expires = datetime.fromtimestamp(int(body.rsplit(".", 1)[-1]), UTC)
    if now >= min(expires, row.expires_at):
        raise Gone("确认链接已过期 (link expired)", field="token")
    return row


def _genuine(token: str, settings: Settings) -> bool:
    """The link's signature is ours. Bytes, not str: compare_digest refuses non-ASCII strings (a hand-edited
    link) with a TypeError."""
    body, _, sig = token.rpartition(".")
    return bool(body) and hmac.compare_digest(sig.encode(), _sign(body, settings).encode())


def acknowledged_by_link(session: Session, token: str, *, settings: Settings) -> Acknowledgement | None:
    """The acknowledgement already given by a genuine link's person (through any way), if any."""
    if not _genuine(token, settings):
        return None
    row = session.exec(select(AckToken).where(AckToken.token_hash == _hash(token))).first()
    if row is None or row.person_id is None:
        return None
    return _existing(session, row.incident_id, "ack", f"person:{row.person_id}")


def merged_into(session: Session, incident_id: uuid.UUID) -> Incident | None:
    """The incident kept when this one was merged into it (合并同一事件), else None. An old link of the merged
    incident acknowledges nothing: it was sent for the merged incident, whose escalation stopped with the merge;
    the kept incident's own escalation reaches its people with its own links."""
    incident = get_incident(session, incident_id)
    return get_incident(session, incident.merged_into_id) if incident.merged_into_id is not None else None


def refuse_merged(session: Session, incident: Incident) -> None:
    """Conflict when `incident` was merged into another: nobody acknowledges a merged incident (its link, the
    console or the API); the answer names the incident kept."""
    kept = merged_into(session, incident.id)
    if kept is not None:
        raise Conflict(f"本事件已并入「{kept.title}」，不再需要确认收到；请查看该事件 (this incident was merged into "
                       "another: nothing to acknowledge here, see the incident kept)", field="incident_id")


def refuse_other(session: Session, row: AckToken, by: Actor | None) -> None:
    """A link opened in someone else's console session (the duty officer who read the message, the auditor)
    does not acknowledge for its person: Forbidden, as that account's refusal (audited). Without a session (the
    recipient's phone) the signed link stands on its own."""
    if by is None or by.is_person(row.person_id):
        return
    person = session.get(Person, row.person_id) if row.person_id else None
    name = person.name if person else "收件人"
    raise Forbidden(f"这条确认链接是发给{name}的，不能代他确认；请在事件页用您自己的账号操作 (this acknowledgement "
                    "link was sent to another person and cannot acknowledge for them: use the incident page with "
                    "your own account)", field="person_id").refusing(by.name)


def use_link(session: Session, *, token: str, now: datetime, settings: Settings,
             by: Actor | None = None) -> Acknowledgement:
    """Acknowledge through a link: single use is one conditional UPDATE. `by`: the console session the link
    was opened in, if any; only the link's own person's counts, and then as given in the console (控制台)."""
    row = check_link(session, token, now, settings=settings)
    refuse_other(session, row, by)
    refuse_merged(session, get_incident(session, row.incident_id))
    claimed = session.exec(update(AckToken).where(AckToken.id == row.id, AckToken.used_at.is_(None))
                           .values(used_at=now))
    if claimed.rowcount != 1:
        raise Gone("确认链接已使用过 (link already used)", field="token")
    if by is not None and by.sees(get_incident(session, row.incident_id).unit_id):
        # the person themselves, signed in (the inbox's button): their account, the console's way
        return acknowledge(session=session, incident_id=row.incident_id, person_id=row.person_id, via="console",
                           now=now, by=by, tz=settings.timezone)
    person = session.get(Person, row.person_id) if row.person_id else None
    via = _link_via(session, token)
    # no session, or the person's own account may not see the incident (a unit's account reached as a leader by
    # the escalation): the signed link is the authority, it names its person; the page shows no more than the
    # link's summary either way
    return acknowledge(session=session, incident_id=row.incident_id, person_id=row.person_id, via=via, now=now,
                       by=Actor.system(f"{via}:{person.name if person else 'anonymous'}"), tz=settings.timezone)


def _link_via(session: Session, token: str) -> str:
    """How the link came, named by the channel whose message carried it (targets.LINK_VIA): 短信链接 for a text
    message, 企业微信链接 / 钉钉链接 / 飞书链接 / 邮件链接 / 站内消息链接 for the others. On a ladder every rung
    carries the same link: the first rung that went out (sent or delivered) is the one read, else the first."""
    rows = session.exec(select(Delivery.channel, Delivery.state).where(Delivery.ack_url.endswith(f"/ack/{token}"))
                        .order_by(Delivery.created_at)).all()
    if not rows:
        return "link"
    out = [c for c, state in rows if state in ("sent", "delivered", "acknowledged")]
    channel = (out or [rows[0][0]])[0]
    kind = session.exec(select(ChannelConfig.kind).where(ChannelConfig.name == channel)).first()
    return targets.LINK_VIA.get(kind or channel, "msg_link")


def ack_clock_start(incident, first_message_at: datetime | None) -> datetime:
    """Where time to acknowledge starts: 接报, or the first escalation message when that came later (a report
    typed in hours after the phone call, or back-dated, must not make the leaders look hours slow: nobody could
    be told before it). The message's time is the engine's clock, as the acknowledgement's is."""
    return max(incident.received_at, first_message_at) if first_message_at is not None else incident.received_at


def first_messages(session: Session, incident_id: uuid.UUID | None = None) -> dict[uuid.UUID, datetime]:
    """Incident -> its first escalation message's time (one incident, or all in one query)."""
    q = select(Notice.incident_id, func.min(Notice.at)).where(Notice.purpose == "escalation")
    if incident_id is not None:
        q = q.where(Notice.incident_id == incident_id)
    return dict(session.exec(q.group_by(Notice.incident_id)).all())


def _seconds(session: Session, incident, now: datetime) -> int:
    start = ack_clock_start(incident, first_messages(session, incident.id).get(incident.id))
    return max(0, int((now - start).total_seconds()))


def reached(session: Session, incident_id: uuid.UUID, step_seq: int | None = None) -> list[Notice]:
    """The escalation messages to people on this incident (of one fired step when `step_seq` is given)."""
    q = select(Notice).where(Notice.incident_id == incident_id, Notice.purpose == "escalation",
                             Notice.person_id.is_not(None))
    if step_seq is not None:
        q = q.where(Notice.step_seq == step_seq)
    return list(session.exec(q))


def acknowledgers(session: Session, incident: Incident, at: datetime, *, tz: str) -> dict[uuid.UUID, str]:
    """Whose acknowledgement counts (id → name): everyone the escalation reached and the people they act for,
    and the policy's targets as they resolve now (with their acting persons), so an acknowledgement phoned in
    before a step fired counts too."""
    out: dict[uuid.UUID, str] = {}
    for n in reached(session, incident.id):
        out[n.person_id] = n.recipient
        if n.for_person_id is not None:
            out.setdefault(n.for_person_id, n.acting_for)
    policy = esc.from_snapshot(incident.escalation_policy) if incident.escalation_policy else None
    for step in policy.steps if policy else ():
        redirects: list[targets.Resolved] = []
        people, _ = targets.resolve_targets(session, incident=incident, targets=step.targets, at=at, tz=tz,
                                            redirects=redirects)
        for r in people + redirects:
            out.setdefault(r.person.id, r.person.name)
            if r.for_person is not None:
                out.setdefault(r.for_person.id, r.for_person.name)
    # a person on leave right now does not answer for the office: their acting person does
    return {pid: name for pid, name in out.items() if _away(session, pid, at, tz) is None}


def _away(session: Session, person_id: uuid.UUID, at: datetime, tz: str) -> Person | None:
    """The person acting for `person_id` when they are on leave at `at` (主持工作), else None."""
    acting = acting_person_id(session=session, person_id=person_id, at=at, tz=tz)
    return session.get(Person, acting) if acting != person_id else None


def _existing(session: Session, incident_id: uuid.UUID, kind: str, who: str) -> Acknowledgement | None:
    return session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == incident_id,
                                                      Acknowledgement.kind == kind,
                                                      Acknowledgement.who == who)).first()


def acks_of(session: Session, incident_id: uuid.UUID) -> list[Acknowledgement]:
    """Acknowledgements and receipts of an incident, oldest first."""
    return list(session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == incident_id)
                             .order_by(Acknowledgement.at)))


def _step_done(session: Session, incident: Incident, acked: set[str]) -> bool:
    """Whether the acknowledgements given stop the step now awaited (its rule: any or all)."""
    state = session.get(EscalationState, incident.id)
    policy = esc.from_snapshot(incident.escalation_policy) if incident.escalation_policy else None
    if policy is None or not policy.steps:
        return True
    fired = state.seq if state is not None else 0
    base = int((incident.escalation_policy or {}).get("seq_base", 0))
    if fired <= base:  # a regraded incident whose new policy fired nothing yet: its first step is awaited
        return esc.step_acknowledged(policy.steps[0].ack, [], acked, True)
    rule = policy.steps[esc.current_step(policy, fired - base)].ack
    people = [esc.Reached(str(n.person_id), str(n.for_person_id) if n.for_person_id else None)
              for n in (reached(session, incident.id, fired - 1) if fired else [])]
    return esc.step_acknowledged(rule, people, acked, True)


def acknowledge(*, session: Session, incident_id: uuid.UUID, by: Actor, via: str, now: datetime, tz: str,
                person_id: uuid.UUID | None = None, name: str = "") -> Acknowledgement:
    """Record one person's acknowledgement (确认收到); once the awaited step's rule is met (any / all), the
    escalation stops for good. Acknowledging twice returns the first one and changes nothing.

    Only someone the escalation reached or targets (or their acting person) acknowledges: `by` as their own
    directory person; the duty office may record such a person's acknowledgement (a leader who phoned in) by
    `person_id`, or by `name` when it names exactly one of them. Anyone else's is refused: a duty officer's
    receipt of the report is `receive`, which never stops a step."""
    incident = incident_for(session, incident_id, by, for_update=True)
    refuse_merged(session, incident)
    person_id = person_id or by.person_id
    if person_id is not None and not by.is_person(person_id):
        by.require_office("代他人确认收到 (only the duty office records someone else's acknowledgement)",
                          field="person_id")
    who_counts = acknowledgers(session, incident, now, tz=tz)
    if person_id is None and name and by.office:
        named = [pid for pid, n in who_counts.items() if n == name.strip()]
        if len(named) != 1:
            raise Invalid(f"{name} 不是本事件的通知对象 (not among the people this incident's escalation reaches)",
                          field="name")
        person_id = named[0]
    if person_id is None:
        raise Forbidden("您的账号未关联通知对象，确认收到不能停止升级通知；值班员请用“签收” "
                        "(your account is not a person the escalation reaches)", field="person_id")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("未找到该人员 (person not found)", field="person_id")
    stand_in = _away(session, person.id, now, tz)
    if stand_in is not None:  # on leave: the acting person answers for the office, not the one away
        raise Forbidden(f"{person.name}正在请假，由{stand_in.name}主持工作，其确认不代表值班室、不能停止升级通知；"
                        f"请由{stand_in.name}确认 ({person.name} is on leave; {stand_in.name} acts and must "
                        "acknowledge)", field="person_id")
    if person_id not in who_counts:
        raise Forbidden(f"{person.name}不是本事件升级通知的对象，其确认不能停止升级通知 "
                        "(not a person this escalation reaches)", field="person_id")
    who = f"person:{person.id}"
    existing = _existing(session, incident.id, "ack", who)
    if existing is not None:
        # idempotent: the first acknowledgement stands; but it counts for the step awaited now (a step that began
        # after it, whose targets include this person), so the escalation stops once that step's rule is met
        if incident.acknowledged_at is None and incident.status == "open" and _step_done(
                session, incident, {str(a.person_id) for a in acks_of(session, incident.id)
                                    if a.kind == "ack" and a.person_id}):
            stop_escalation(session, incident, now, existing.name)
        return existing
    refuse_settled(session, incident, tz)
    state = session.get(EscalationState, incident.id)
    ack = Acknowledgement(incident_id=incident.id, kind="ack", who=who, person_id=person.id, name=person.name[:120],
                          at=now, via=via, seconds_to_ack=_seconds(session, incident, now),
                          step_seq=state.seq if state is not None else None,
                          recorded_by="" if by.is_person(person.id) or by.name.startswith(AUTOMATIC) else by.name[:120])
    session.add(ack)
    session.flush()
    acked = {str(a.person_id) for a in acks_of(session, incident.id) if a.kind == "ack" and a.person_id}
    if incident.acknowledged_at is None and _step_done(session, incident, acked):
        ack.stopped = True
        session.add(ack)
        stop_escalation(session, incident, now, person.name)
    targets.mark_acknowledged(session, incident_id=incident.id, person_id=person.id, at=now, via=via)
    # what their own rules still had to send is withdrawn (everyone's went when the escalation stopped)
    targets.cancel_personal(session, incident_id=incident.id, person_id=person.id)
    session.flush()
    audit.record(session=session, actor=by.name, action="acknowledge", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, after=ack, at=now,
                 note=f"{person.name} 经{targets.VIA_ZH.get(via, via)}确认" + ("，升级通知停止" if ack.stopped else "，等待其他人确认"))
    return ack


def refuse_settled(session: Session, incident: Incident, tz: str) -> None:
    """Conflict, recording nothing, when one more acknowledgement would change nothing: the awaited step was met
    (someone else acknowledged, also one a 续报 then settled) or the incident is closed (终报). A page opened before
    that (the incident page, the inbox, the no-login link) says who acknowledged and when."""
    zone = ZoneInfo(tz)

    def when(at: datetime) -> str:
        local = at.astimezone(zone)
        return f"{local.month}月{local.day}日 {local:%H:%M}"

    if incident.status == "closed" and incident.closed_at is not None:
        raise Conflict(f"本事件已于{when(incident.closed_at)}终报办结，无需确认收到 (this incident was closed with its "
                       f"final report at {incident.closed_at.astimezone(zone):%Y-%m-%d %H:%M}: nothing to acknowledge)",
                       field="incident_id")
    if incident.acknowledged_at is None:
        return
    given = [a for a in acks_of(session, incident.id) if a.kind == "ack" and a.at <= incident.acknowledged_at]
    names = "、".join(dict.fromkeys(a.name for a in given)) or incident.acknowledged_by
    at = max((a.at for a in given), default=incident.acknowledged_at)
    # the English without the names (data, kept as written): a bilingual reason's English is only Latin text
    raise Conflict(f"{names}已于{when(at)}确认收到，无需您再确认 (acknowledged by another person at "
                   f"{at.astimezone(zone):%Y-%m-%d %H:%M}: your acknowledgement is not needed any more)",
                   field="incident_id")


def stop_escalation(session: Session, incident: Incident, now: datetime, name: str) -> None:
    """The awaited step's rule is met: the incident is acknowledged (by `name`) and its escalation stops, or with an
    ack timeout waits for a 续报 or feedback (rules: next_action). Every personal-rule message still waiting for
    its delay is withdrawn (已取消), whoever's it was and whichever way the rule was met: an acknowledgement now, one
    given before this step began (the engine's "met before"), or an earlier one that counts for this step."""
    incident.acknowledged_at, incident.acknowledged_by = now, name[:120]
    session.add(incident)
    targets.cancel_personal(session, incident_id=incident.id)
    timeout = (incident.escalation_policy or {}).get("ack_timeout_minutes")
    values = dict(next_due_at=now + timedelta(minutes=timeout)) if timeout else dict(status="stopped",
                                                                                      next_due_at=None)
    session.exec(update(EscalationState).where(EscalationState.incident_id == incident.id,
                                               EscalationState.status == "active").values(**values))
    if timeout:
        wake_after_commit(session, values["next_due_at"])


def given_before(session: Session, incident: Incident, rule: esc.AckRule,
                 people: list[targets.Resolved]) -> tuple[list[Acknowledgement], list[targets.Resolved]]:
    """For a step about to page `people`: the acknowledgements already given that meet its rule (empty when they do
    not), and the people still to page. An acknowledgement is a person's and counts for every step they are a
    target in, or act for a target in, including steps that start after it (the 分管领导 who pressed 确认收到 while
    the duty leader was being paged is not paged again)."""
    mine = {a.person_id: a for a in acks_of(session, incident.id) if a.kind == "ack" and a.person_id}

    def of(p: targets.Resolved) -> Acknowledgement | None:
        return mine.get(p.person.id) or (mine.get(p.for_person.id) if p.for_person is not None else None)

    given = [of(p) for p in people]
    hits = list({a.id: a for a in given if a is not None}.values())
    met = bool(hits) and (rule is esc.AckRule.any or all(given))
    return (hits if met else []), [p for p, a in zip(people, given) if a is None]


def after_ack(session: Session, incident: Incident, state: esc.EscalationState) -> esc.EscalationState:
    """The rule's state with who stopped the step and the latest 续报 / 终报 or instruction feedback (ack timeout)."""
    stopper = session.exec(select(Acknowledgement.person_id).where(Acknowledgement.incident_id == incident.id,
                                                                   Acknowledgement.kind == "ack")
                           .order_by(Acknowledgement.stopped.desc(), Acknowledgement.at.desc())).first()
    # the acknowledgement that stopped the step; when earlier ones met a later step's rule, the latest of them
    return replace(state, acknowledged_by=str(stopper) if stopper else "", progress_at=progress_at(session, incident))


def progress_at(session: Session, incident: Incident) -> datetime | None:
    """The latest 续报 / 终报 or instruction feedback: what an acknowledgement timeout waits for."""
    report = session.exec(select(func.max(Report.reported_at)).where(Report.incident_id == incident.id,
                                                                     Report.kind.in_(("followup", "final")))).one()
    feedback = session.exec(select(func.max(InstructionItem.feedback_at))
                            .join(Instruction, Instruction.id == InstructionItem.instruction_id)
                            .where(Instruction.incident_id == incident.id)).one()
    return max((t for t in (report, feedback) if t is not None), default=None)


def receive(*, session: Session, incident_id: uuid.UUID, by: Actor, now: datetime) -> Acknowledgement:
    """A duty officer's receipt (签收) of the incident: its own record, once per person; it never stops a step."""
    incident = incident_for(session, incident_id, by, for_update=True)
    by.require_office("签收 (the duty office signs for a report)", field="incident_id")
    who = f"person:{by.person_id}" if by.person_id else f"user:{by.name}"
    existing = _existing(session, incident.id, "receipt", who)
    if existing is not None:
        return existing
    row = Acknowledgement(incident_id=incident.id, kind="receipt", who=who[:160], person_id=by.person_id,
                          name=by.name[:120], at=now, via="console", seconds_to_ack=_seconds(session, incident, now),
                          recorded_by=by.name[:120])
    session.add(row)
    session.flush()
    audit.record(session=session, actor=by.name, action="receipt", entity="incident", entity_id=incident.id,
                 unit_id=incident.unit_id, after=row, at=now, note=f"{by.name} 签收")
    return row


@dataclass(frozen=True)
class AckState:
    """What the caller may do about acknowledging: the button shows only when `can_ack`."""

    can_ack: bool
    mine: Acknowledgement | None
    can_receive: bool
    received: Acknowledgement | None
    # other people's acknowledgements when `by`'s own counts: "周文静已于03:12确认收到" (before them, or instead)
    others: tuple[Acknowledgement, ...] = ()


def ack_state(session: Session, incident: Incident, by: Actor, at: datetime, *, tz: str) -> AckState:
    """Whether `by`'s acknowledgement counts and is still to give; whether they may still sign for it (签收)."""
    mine = received = None
    counts = False
    if by.person_id is not None:
        mine = _existing(session, incident.id, "ack", f"person:{by.person_id}")
        counts = by.person_id in acknowledgers(session, incident, at, tz=tz)
    if by.office:
        received = _existing(session, incident.id, "receipt",
                             f"person:{by.person_id}" if by.person_id else f"user:{by.name}")
    open_ = incident.status == "open"
    others = tuple(a for a in acks_of(session, incident.id) if a.kind == "ack" and a.person_id != by.person_id) \
        if counts else ()
    # once the step is acknowledged (by someone else), one more acknowledgement changes nothing: no button
    return AckState(open_ and counts and mine is None and by.role in ACK_ROLES and incident.acknowledged_at is None,
                    mine, open_ and by.office and not counts and received is None, received, others)


def on_delivery_ack(session: Session, delivery, receipt, now: datetime, settings) -> None:
    """Delivery pipeline hook: a key press, SMS reply or card click on an escalation message acknowledges."""
    if delivery.source != "incident" or not str(delivery.step).startswith("step:"):
        return
    via = {"key_press": "voice", "reply": "sms"}.get(receipt.kind, "card")
    person = session.get(Person, delivery.person_id) if delivery.person_id else None
    name = person.name if person else (delivery.recipient or {}).get("name", "")
    try:
        acknowledge(session=session, incident_id=uuid.UUID(delivery.source_id), by=Actor.system(f"{via}:{name}"),
                    person_id=person.id if person else None, via=via, now=now, name=name, tz=settings.timezone)
    except (Forbidden, Invalid, Conflict) as exc:  # one that does not count (any more): noted only
        log.warning("acknowledgement by %s on incident %s not counted: %s", name, delivery.source_id, exc.reason)
