"""The escalation tick: claim due steps atomically (fencing seq), resolve targets, enqueue (outbox)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from core.settings import Settings
from models.incidents.escalation import EscalationState
from models.incidents.records import Incident
from rules import incidents as r
from rules.incidents import escalation as esc
from services import audit
from services.incidents import acks, convert, targets
from services.incidents.printing import casualty_text

log = logging.getLogger("dutydesk.incidents.escalation")


@dataclass
class Fired:
    incident_id: object
    action: str
    seq: int
    notified: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def message(incident: Incident, decision: esc.Decision, tz: tzinfo) -> tuple[str, str]:
    """Subject and body of an escalation message (zh-CN), times in the office's zone `tz`."""
    grade = r.Grade(incident.grade) if incident.grade else None
    g = f"{grade.roman}级{grade.label}" if grade else "待定级"
    local = incident.received_at.astimezone(tz)
    head = {esc.Action.notify: "【突发事件】", esc.Action.ack_timeout: "【已确认·未续报】"}.get(
        decision.action, "【升级提醒·未确认】")
    body = (f"{head}{incident.title}（{r.Category(incident.category).label}，{g}）。接报{local:%m-%d %H:%M}，"
            f"地点：{incident.place or '不详'}，伤亡：{casualty_text(convert.figures_json(incident))}。"
            f"{decision.reason}。")
    return f"{head}{incident.title}", body


def seq_base(incident: Incident) -> int:
    """Steps fired before the incident's current policy was chosen (0 unless a grade change re-selected it)."""
    return int((incident.escalation_policy or {}).get("seq_base", 0))


def due_rows(session: Session, now: datetime, limit: int) -> list[EscalationState]:
    """Active escalations due by `now`; on PostgreSQL rows locked by another instance are skipped."""
    q = (select(EscalationState).where(EscalationState.status == "active", EscalationState.next_due_at <= now)
         .order_by(EscalationState.next_due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(session.exec(q))


_STATE = EscalationState.__table__


def _set(session: Session, row: EscalationState, fence: int, *also, **values) -> bool:
    """Conditional UPDATE on the fencing token: True when this caller owns step `seq`.

    A Core statement on the session's connection: the ORM's bulk-update path (and the autoflush before it)
    was a sixth of an engine's time at 80 steps/s; the ORM rows are not read again in this transaction."""
    res = session.connection().execute(update(_STATE).where(_STATE.c.incident_id == row.incident_id,
                                                            _STATE.c.seq == fence, _STATE.c.status == "active", *also)
                                       .values(**values))
    if res.rowcount != 1:
        return False
    for k, v in values.items():  # the row in this session says what the database now says
        set_committed_value(row, k, v)
    return True


def decide(session: Session, row: EscalationState, incident: Incident, now: datetime) -> esc.Decision:
    """What the frozen policy says for this row at `now` (rules: next_action), its seq absolute."""
    # after a grade change the new policy counts its steps from where the fencing seq stood (seq_base)
    base = seq_base(incident)
    state = esc.EscalationState(row.started_at, row.seq - base, row.last_fired_at, incident.acknowledged_at,
                                incident.status != "open", realerted_at=row.ack_realerted_at)
    if incident.acknowledged_at is not None and (incident.escalation_policy or {}).get("ack_timeout_minutes"):
        state = acks.after_ack(session, incident, state)
    d = esc.next_action(incident.escalation_policy, state, now)
    return replace(d, seq=d.seq + base) if base else d  # the fencing token and message keys stay absolute


def _stop(session: Session, row: EscalationState, incident: Incident, d: esc.Decision, now: datetime) -> bool:
    """End the row as the decision says (stopped / exhausted), once: audited by whoever ended it."""
    status = "stopped" if d.action is esc.Action.stop else "exhausted"
    if not _set(session, row, d.seq, status=status, next_due_at=None):
        return False
    audit.record(session=session, actor="engine", action=f"escalation_{status}", entity="incident",
                 entity_id=incident.id, unit_id=incident.unit_id, note=d.reason, at=now)
    return True


def settle(session: Session, incident: Incident, now: datetime) -> bool:
    """Progress just came (a 续报 / 终报, an instruction's feedback): when the escalation was only waiting for it
    (acknowledged, with an ack timeout, or re-alerted), it stops now, by the same rule the engine's next wake-up
    would apply, so the row says 已停止 as the console does instead of staying active until then. True if stopped."""
    row = session.get(EscalationState, incident.id)
    if row is None or row.status != "active" or incident.acknowledged_at is None:
        return False
    session.flush()  # the report or feedback just added is what the rule reads
    d = decide(session, row, incident, now)
    return d.action is esc.Action.stop and _stop(session, row, incident, d, now)


def fire(session: Session, row: EscalationState, now: datetime, instance: str, settings: Settings,
         memo: dict | None = None) -> Fired | None:
    """Carry out what the frozen policy says for one due row; None when another instance got it."""
    incident = session.get(Incident, row.incident_id)
    d = decide(session, row, incident, now)
    if d.action is esc.Action.wait:
        _set(session, row, d.seq, next_due_at=d.wake_at)
        return None
    if d.action in (esc.Action.stop, esc.Action.exhausted):
        return Fired(incident.id, d.action.value, d.seq) if _stop(session, row, incident, d, now) else None
    if d.action is esc.Action.ack_timeout:
        return _realert(session, row, incident, d, now, instance, settings, memo)
    if not _set(session, row, d.seq, seq=d.seq + 1, last_fired_at=now, next_due_at=d.wake_at,
                claimed_by=instance[:80], claimed_at=now):
        return None  # a duplicate trigger or another instance fired this step
    redirects: list[targets.Resolved] = []
    people, unresolved = targets.resolve_targets(session, incident=incident, targets=d.targets, at=now,
                                                 tz=settings.timezone, memo=memo, redirects=redirects)
    told = set((incident.escalation_policy or {}).get("notified_before", ()))
    if told and d.pass_no == 0:  # a regraded incident: who was told already got the correction, not this again
        people = [p for p in people if str(p.person.id) not in told]
    rule = esc.from_snapshot(incident.escalation_policy).steps[d.step_index].ack
    given, people = acks.given_before(session, incident, rule, people)
    if given:
        return _met_before(session, incident, d, given, now, settings)
    subject, body = message(incident, d, settings.tz)
    out = Fired(incident.id, d.action.value, d.seq)
    channel = d.channels[0] if d.channels else "inbox"
    targets.know_accounts(session, [p.person.id for p in people])  # one query for the step's inbox readers
    for p in people:
        link = acks.make_link(session, incident_id=incident.id, person=p.person, now=now, settings=settings)
        note = f"（代{p.acting_for}）" if p.acting_for else ""
        common = dict(purpose="escalation", subject=subject, body=f"{body}{note}确认收到：{link}", at=now,
                      incident_id=incident.id, person=p.person, step_seq=d.seq, acting_for=p.acting_for, ack_url=link,
                      for_person_id=p.for_person.id if p.for_person else None)
        # a step that names a ladder uses it; one that names none follows each person's own rules
        plan = targets.personal_plan(session, p.person, settings) if not d.channels else []
        for n, reach in enumerate(plan):
            targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:{p.person.id}:r{n}:{reach.channel}",
                         channel=reach.channel, address=reach.address, ladder=(reach.channel,),
                         step=targets.RULE_STEP.format(seq=d.seq, n=n),
                         due_at=now + timedelta(minutes=reach.delay_minutes) if reach.delay_minutes else None,
                         **common)
        if not plan:
            targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:{p.person.id}:{channel}",
                         channel=channel, ladder=d.channels, step=f"step:{d.seq}", **common)
        if not plan and not d.channels:  # nothing silent: the rules were asked for and could not be followed
            targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:fallback:{p.person.id}",
                         purpose="fallback", channel="none", subject="未按个人通知规则",
                         body=f"{p.person.name}没有可依靠的个人通知规则（联系方式未验证或未设规则），已按原方式"
                              f"{'发到站内消息' if channel == 'inbox' else '经' + channel + '通知'}", at=now,
                         incident_id=incident.id, person=p.person, step_seq=d.seq)
        out.notified.append(p.person.name)
    for p in redirects:  # the acting person was notified already as a target of their own: say so anyway
        targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:redirect:{p.for_person.id}",
                     purpose="redirect", channel="none", subject="请假替代",
                     body=f"{p.for_person.name}请假，由{p.person.name}主持工作（已在本步通知之列）", at=now,
                     incident_id=incident.id, person=p.person, step_seq=d.seq, acting_for=p.acting_for,
                     for_person_id=p.for_person.id)
    for t in unresolved:
        what = {"duty_leader_now": "当班带班领导", "category_leader": "分管领导", "unit_head": "主要领导"}.get(
            t.kind.value, f"{t.kind.value}:{t.ref}")
        targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:unresolved:{t.kind.value}:{t.ref}",
                     purpose="unresolved", channel="none", subject="无法确定通知对象",
                     body=f"第{d.step_index + 1}步：找不到{what}（无人在岗或未配置）", at=now, incident_id=incident.id,
                     recipient=what)
        out.unresolved.append(what)
    audit.record(session=session, actor="engine", action=f"escalation_{d.action.value}", entity="incident",
                 entity_id=incident.id, unit_id=incident.unit_id, at=now,
                 note=f"第{d.step_index + 1}步（第{d.pass_no + 1}轮）通知：{'、'.join(out.notified) or '无'}；{d.reason}")
    return out


def _met_before(session: Session, incident: Incident, d: esc.Decision, given: list,
                now: datetime, settings: Settings) -> Fired:
    """The step's acknowledgement rule is met by acknowledgements given before it started: nobody is paged, the
    escalation stops (or, with an ack timeout, waits for a 续报), and the timeline says why."""
    last = max(given, key=lambda a: a.at)
    who = "、".join(f"{a.name}（{a.at.astimezone(settings.tz):%H:%M:%S}）" for a in sorted(given, key=lambda a: a.at))
    body = f"第{d.step_index + 1}步（第{d.pass_no + 1}轮）的通知对象已确认收到：{who}；本步不再通知，升级通知停止"
    targets.send(session, key=f"incident:{incident.id}:step:{d.seq}:acked_before", purpose="acked_before",
                 channel="none", subject="已确认，不再通知", body=body, at=now, incident_id=incident.id,
                 recipient="、".join(a.name for a in given), step_seq=d.seq)
    acks.stop_escalation(session, incident, now, last.name)
    audit.record(session=session, actor="engine", action="escalation_stopped", entity="incident",
                 entity_id=incident.id, unit_id=incident.unit_id, at=now, note=body)
    return Fired(incident.id, "acked_before", d.seq)


def _realert(session: Session, row: EscalationState, incident: Incident, d: esc.Decision, now: datetime,
             instance: str, settings: Settings, memo: dict | None) -> Fired | None:
    """Acknowledged, then no 续报 or feedback in time: remind the person who acknowledged (once); the steps go on."""
    if not _set(session, row, d.seq, _STATE.c.ack_realerted_at.is_(None), ack_realerted_at=now,
                next_due_at=d.wake_at, claimed_by=instance[:80], claimed_at=now):
        return None
    people, _ = targets.resolve_targets(session, incident=incident, targets=d.targets, at=now, tz=settings.timezone,
                                        memo=memo)
    subject, body = message(incident, d, settings.tz)
    out = Fired(incident.id, d.action.value, d.seq)
    channel = d.channels[0] if d.channels else "inbox"
    for p in people:
        note = f"（代{p.acting_for}）" if p.acting_for else ""
        targets.send(session, key=f"incident:{incident.id}:ack_timeout:{p.person.id}", purpose="ack_timeout",
                     channel=channel, subject=subject, body=f"{body}{note}请尽快续报或反馈处置情况。", at=now,
                     incident_id=incident.id, person=p.person, ladder=d.channels, step_seq=d.seq,
                     acting_for=p.acting_for, step="ack_timeout",
                     for_person_id=p.for_person.id if p.for_person else None)
        out.notified.append(p.person.name)
    audit.record(session=session, actor="engine", action="escalation_ack_timeout", entity="incident",
                 entity_id=incident.id, unit_id=incident.unit_id, at=now,
                 note=f"{d.reason}：{'、'.join(out.notified) or '无人'}；未续报则继续升级")
    return out


def tick(*, session: Session, now: datetime, instance: str, settings: Settings, limit: int = 200) -> list[Fired]:
    """Fire every due escalation step once as `instance` (its claim's name); deliveries go in the same transaction
    (outbox)."""
    me = instance
    fired, memo = [], {}  # targets resolved once per tick: every step in it shares `now` and the transaction
    rows = due_rows(session, now, limit)
    # the batch's incidents in one query, held here (the identity map is weak) so fire() finds each there
    loaded = session.exec(select(Incident).where(Incident.id.in_([r.incident_id for r in rows]))).all() if rows else []
    for row in rows:
        result = fire(session, row, now, me, settings, memo)
        if result is not None:
            fired.append(result)
    session.flush()
    del loaded
    return fired


def next_due(session: Session) -> list[datetime]:
    """Due times of all active escalations (the engine rebuilds its wake-ups from these)."""
    return [t for t in session.exec(select(EscalationState.next_due_at).where(
        EscalationState.status == "active", EscalationState.next_due_at.is_not(None)))]
