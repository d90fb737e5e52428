"""Read side: the urgency-ordered board, an incident's timeline and flags, the open-task list.

Each read takes the caller (`by`): a unit reporter sees only their own unit's incidents and items."""

from __future__ import annotations

import re

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from core.settings import Settings
from models.deliveries import ChannelConfig
from models.directory import Unit
from models.incidents.escalation import Acknowledgement, EscalationState, Notice
from models.incidents.instructions import Instruction, InstructionItem
from models.incidents.records import Deadline, Incident, PhoneLog, Report
from rules import incidents as r
from rules.incidents.urgency import Urgency, board_key
from services import accounts
from services.access import Actor
from services.incidents import ack_view, acks, convert, deadlines, duplicates, targets, told, upward
from services.incidents.lookups import incident_for
from services.incidents.report_policies import report_policies
from services.incidents.reports import chain, chains


@dataclass
class BoardRow:
    incident: Incident
    unit: str
    next_deadline: Deadline | None
    overdue: int
    escalation: EscalationState | None
    flags: list[r.Flag] = field(default_factory=list)
    upward_failed: list = field(default_factory=list)  # upward.Upward of failed reports, neither re-sent nor phoned
    shown: tuple[str, datetime | None] = ("", None)  # ack_view.shown_escalation: what the escalation is doing, until
    ackers: list[str] = field(default_factory=list)  # everyone whose acknowledgement led to 已确认, oldest first
    awaited: ack_view.Awaited | None = None  # not yet acknowledged: whom the current step waits for

    @property
    def grade(self) -> r.Grade | None:
        return convert.grade_of(self.incident.grade)


def flags(session: Session, incident: Incident, now: datetime, settings: Settings,
          reports: list[Report] | None = None) -> list[r.Flag]:
    """Audit flags (迟报, 漏报, …) for review, against the deadlines in force."""
    reports = chain(session, incident.id) if reports is None else reports
    return r.audit_flags(convert.rule_incident(incident), [convert.rule_report(x) for x in reports], now,
                         report_policies(settings).deadline)


def board(session: Session, now: datetime, *, by: Actor, settings: Settings, include_closed: bool = False,
          limit: int = 200) -> list[BoardRow]:
    """Incidents `by` may see, by urgency: overdue first, then nearest deadline, unacknowledged before acknowledged."""
    q = select(Incident).where(Incident.merged_into_id.is_(None))  # a merged incident is its kept one's source
    if not include_closed:
        q = q.where(Incident.status == "open")
    if by.scope is not None:
        q = q.where(Incident.unit_id == by.scope)
    incidents = list(session.exec(q.order_by(Incident.received_at.desc()).limit(limit)))
    # what every row needs, read for all of them at once: a query per kind, not per incident (a province's board)
    ids = [inc.id for inc in incidents]
    names = {uid: name for uid, name in session.exec(
        select(Unit.id, Unit.name).where(Unit.id.in_({i.unit_id for i in incidents}))).all()} if ids else {}
    reports, open_rows = chains(session, ids), deadlines.open_rows_of(session, ids)
    notices, live = upward.upward_notices(session, ids)
    states = {e.incident_id: e for e in session.exec(select(EscalationState).where(
        EscalationState.incident_id.in_(ids)))} if ids else {}
    given = ack_view.given(session, ids)
    rows = []
    for inc in incidents:
        reps = reports[inc.id]
        ups = upward.statuses(session, inc, reps, notices=notices[inc.id], live=live)
        # a deadline "met" by a failed send is not met
        open_d = deadlines.still_open(session, inc.id, ups, rows=open_rows[inc.id],
                                      closed=inc.status == "closed")
        rows.append(BoardRow(inc, names.get(inc.unit_id, ""), open_d[0] if open_d else None,
                             sum(d.due_at <= now for d in open_d), states.get(inc.id),
                             flags(session, inc, now, settings, reps), [u for u in ups.values() if u.alarm]))
        rows[-1].shown = ack_view.shown_escalation(session, inc, rows[-1].escalation)
        rows[-1].ackers = ack_view.acknowledged_names(session, inc, given[inc.id])
        rows[-1].awaited = ack_view.awaited(session, inc)
    rows.sort(key=lambda b: board_key(Urgency(
        b.incident.status != "open", bool(b.overdue or b.upward_failed), b.next_deadline.due_at if b.next_deadline
        else None, b.incident.acknowledged_at is not None, b.incident.grade)))
    return rows


STATE_LABELS = {"queued": "待发送", "sending": "发送中", "sent": "已发出", "delivered": "已送达", "failed": "发送失败",
                "unknown": "结果不明", "cancelled": "已取消"}




# services.incidents.escalation._met_before's note, read back for the page's language
ACKED_BEFORE = re.compile(r"第(?P<step>\d+)步（第(?P<round>\d+)轮）的通知对象已确认收到：(?P<who>[^；]*)；")
WHO_AT = re.compile(r"([^、（]+)（(\d\d:\d\d:\d\d)）")


def _took(seconds: int) -> str:
    """4分0秒, or 8小时23分 once it is an hour or more."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}小时{m}分" if h else f"{m}分{s}秒"


def timeline(session: Session, incident: Incident) -> list[dict]:
    """Everything that happened, oldest first: 接报, notices (who, channel), acks (time to ack), reports, 批示.

    Each event has `text` (zh-CN, as the API has always given it) and `values`: what the text is made of,
    for the console to word in the page's language (`kind` says which sentence)."""
    ev = [{"at": incident.received_at, "kind": "received", "text": f"接报（来源：{incident.source or '不详'}）",
           "values": {"source": incident.source or ""}},
          {"at": incident.created_at, "kind": "logged", "text": f"登记（{incident.created_by}）",
           "values": {"by": incident.created_by}}]
    notices = list(session.exec(select(Notice).where(Notice.incident_id == incident.id)))
    live = targets.outcomes(session, [n.delivery_id for n in notices])
    for n in notices:
        what = {"escalation": f"第{(n.step_seq or 0) + 1}次通知", "upward": "向上报送", "deadline": "时限提醒",
                "instruction": "批示转办", "unresolved": "无法通知", "ack_timeout": "确认后未续报·再次提醒",
                "correction": "等级更正", "followup_notice": "续报通知", "final_notice": "终报通知",
                "redirect": f"第{(n.step_seq or 0) + 1}次通知·请假替代（已通知）"}.get(n.purpose, n.purpose)
        if n.purpose == "acked_before":  # a step met by acknowledgements given before it started: not paged
            m = ACKED_BEFORE.match(n.body or "")
            ev.append({"at": n.at, "kind": n.purpose, "text": n.body,
                       "values": {"step": int(m["step"]) if m else (n.step_seq or 0) + 1,
                                  "round": int(m["round"]) if m else 1,
                                  "who": [{"name": w, "at": t} for w, t in WHO_AT.findall(m["who"] if m else "")]}})
            continue
        if n.purpose == "fallback":  # a person's rules could not be followed: the step's own way was used
            body = acks.hide_links(n.body, 'zh-CN')
            ev.append({"at": n.at, "kind": n.purpose, "text": f"第{(n.step_seq or 0) + 1}次通知：{body}",
                       "values": {"step": (n.step_seq or 0) + 1, "body": body}})
            continue
        extra = f"（代{n.acting_for}）" if n.acting_for else ""
        o = live.get(n.delivery_id)
        state = o.state if o is not None else ("none" if n.channel == "none" else "")
        channel = o.channel if o is not None and o.channel != n.channel else ""
        outcome = f" · {STATE_LABELS.get(state, state)}" if state and state != "none" else ""
        error = o.error[:60] if o is not None and o.error and state in ("failed", "unknown") else ""
        why = f"（{error}）" if error else ""
        note = acks.hide_links(n.body, "zh-CN").split("（")[0] if n.purpose == "correction" else ""  # 更正：等级由IV级调整为II级
        figures = told.figures_told(n)  # a 续报/终报 notice: the figures stored with it
        if figures:  # a 续报/终报 notice: the figures the leader was told
            note = "目前伤亡：" + told.figures_text_of(figures)
        ev.append({"at": n.at, "kind": n.purpose,
                   "text": f"{what} → {n.recipient}{extra} · {n.channel}{' → ' + channel if channel else ''}"
                           f"{outcome}{why}{'（' + note + '）' if note else ''}", "note": "" if figures else note,
                   "channel": n.channel, "recipient": n.recipient, "acting_for": n.acting_for, "state": state,
                   "delivery_id": n.delivery_id,
                   "values": {"step": (n.step_seq or 0) + 1, "recipient": n.recipient, "acting_for": n.acting_for,
                              "channel": n.channel, "fallback": channel, "state": state, "error": error,
                              **({"figures": figures} if figures else {})}})
    for a in session.exec(select(Acknowledgement).where(Acknowledgement.incident_id == incident.id)):
        took = _took(a.seconds_to_ack)
        h, rest = divmod(a.seconds_to_ack, 3600)
        took_values = {"hours": h, "minutes": rest // 60, "seconds": rest % 60}
        if a.kind == "receipt":
            ev.append({"at": a.at, "kind": "receipt", "text": f"{a.name} 签收（用时{took}）",
                       "values": {"name": a.name, **took_values}})
            continue
        by = f"，{a.recorded_by}代为记录" if a.recorded_by else ""
        stop = "，升级通知停止" if a.stopped else ""
        ev.append({"at": a.at, "kind": "ack", "text": f"{a.name} 确认收到（{targets.VIA_ZH.get(a.via, a.via)}，用时{took}{by}{stop}）",
                   "values": {"name": a.name, "via": a.via, "recorded_by": a.recorded_by or "", "stopped": a.stopped,
                              **took_values}})
    for rep in chain(session, incident.id):
        late = f"，迟报{rep.late_minutes}分钟" if rep.late_minutes else ""
        ev.append({"at": rep.reported_at, "kind": "report", "text": f"{convert.report_title(rep)}{late}",
                   "report_id": rep.id,
                   "values": {"report": rep.kind, "number": rep.number, "late": rep.late_minutes or 0}})
        if rep.phoned_upward_at is not None:  # 登记已电话报告: given upward by phone (upward.record_phoned)
            by = f"，{rep.phoned_recorded_by}登记" if rep.phoned_recorded_by else ""
            ev.append({"at": rep.phoned_upward_at, "kind": "phoned_upward", "report_id": rep.id,
                       "text": f"{convert.report_title(rep)}已电话报告：{rep.phoned_upward_by}报告{rep.phoned_upward_to}{by}",
                       "values": {"report": rep.kind, "number": rep.number, "caller": rep.phoned_upward_by,
                                  "reached": rep.phoned_upward_to, "recorded_by": rep.phoned_recorded_by or ""}})
    for ins in session.exec(select(Instruction).where(Instruction.incident_id == incident.id)):
        ev.append({"at": ins.at, "kind": "instruction", "text": f"{ins.by_name}批示：{ins.text[:80]}",
                   "values": {"by": ins.by_name, "text": ins.text[:80]}})
    ev += _source_events(session, incident)
    return sorted(ev, key=lambda e: e["at"])


def _source_events(session: Session, incident: Incident) -> list[dict]:
    """The other sources (另一来源) merged into this incident: who reported it and when, their reports, the merge;
    and on a merged incident, that it was merged."""
    ev = []
    if incident.merged_into_id is not None:
        kept = session.get(Incident, incident.merged_into_id)
        title = kept.title if kept else ""
        ev.append({"at": incident.merged_at or incident.created_at, "kind": "merged",
                   "text": f"已并入「{title}」（{incident.merged_by}）", "incident_id": incident.merged_into_id,
                   "values": {"title": title, "by": incident.merged_by}})
    names = {}
    for src in duplicates.sources(session, incident):
        if src.unit_id not in names:
            unit = session.get(Unit, src.unit_id)
            names[src.unit_id] = unit.name if unit else ""
        who = {"unit": names[src.unit_id], "reporter": src.reporter or "", "source": src.source or "",
               "title": src.title}
        ev.append({"at": src.received_at, "kind": "source",
                   "text": f"另一来源：{who['unit']}{('·' + who['reporter']) if who['reporter'] else ''}报告"
                           f"「{src.title}」（来源：{src.source or '不详'}）", "incident_id": src.id, "values": who})
        for rep in chain(session, src.id):
            ev.append({"at": rep.reported_at, "kind": "source_report",
                       "text": f"另一来源（{who['unit']}）{convert.report_title(rep)}", "incident_id": src.id,
                       "report_id": rep.id,
                       "values": {"unit": who["unit"], "report": rep.kind, "number": rep.number}})
        ev.append({"at": src.merged_at or src.created_at, "kind": "merge",
                   "text": f"合并「{src.title}」为同一事件（{src.merged_by}）", "incident_id": src.id,
                   "values": {"title": src.title, "by": src.merged_by}})
    return ev


def detail(session: Session, incident_id: uuid.UUID, now: datetime, *, by: Actor, settings: Settings) -> dict:
    """Everything the incident page shows (404 for another unit's incident), with what `by` may acknowledge."""
    inc = incident_for(session, incident_id, by)
    reports = chain(session, inc.id)
    ins = list(session.exec(select(Instruction).where(Instruction.incident_id == inc.id).order_by(Instruction.at)))
    items = {i.id: list(session.exec(select(InstructionItem).where(InstructionItem.instruction_id == i.id)))
             for i in ins}
    ups = upward.statuses(session, inc, reports)
    rows = list(session.exec(select(Deadline).where(Deadline.incident_id == inc.id).order_by(Deadline.due_at)))
    events = timeline(session, inc)
    escalation = session.get(EscalationState, inc.id)
    ack_rows = acks.acks_of(session, inc.id)
    more = (inc.merged_by or "", *(a.name for a in ack_rows if a.kind == "receipt"))
    return {"incident": inc, "reports": reports, "timeline": events, **shown_names(session, events, more),
            "first_channels": {x.channel for x in reports if x.kind == "first"},
            "upward": ups, "deadlines": rows, "deadline_state": deadlines.standing(rows, ups, closed=inc.status == "closed"),
            "flags": flags(session, inc, now, settings, reports), "escalation": escalation,
            "escalation_shown": ack_view.shown_escalation(session, inc, escalation),
            "ackers": ack_view.acknowledged_names(session, inc),
            "instructions": ins, "items": items,
            "calls": list(session.exec(select(PhoneLog).where(PhoneLog.incident_id == inc.id))),
            "ack": acks.ack_state(session, inc, by, now, tz=settings.timezone), "acks": ack_rows,
            "awaited": ack_view.awaited(session, inc),
            "unit": session.get(Unit, inc.unit_id),
            "merged_into": session.get(Incident, inc.merged_into_id) if inc.merged_into_id else None,
            "sources": duplicates.sources(session, inc),
            "duplicates": duplicates.of_incident(session, inc, now, by=by, settings=settings)
            if inc.status != "merged" else [],
            "may_merge": by.office}


def open_items(session: Session, *, by: Actor) -> list[tuple[InstructionItem, Instruction]]:
    """Instruction items waiting for feedback or acceptance (a unit reporter: those forwarded to their unit)."""
    q = select(InstructionItem, Instruction).join(Instruction, Instruction.id == InstructionItem.instruction_id) \
        .where(InstructionItem.status != "closed")
    if by.scope is not None:
        q = q.where(InstructionItem.unit_id == by.scope)
    return list(session.exec(q.order_by(InstructionItem.due_at)))


def overdue_deadlines(session: Session, now: datetime, *, by: Actor, limit: int | None = None) -> list[Deadline]:
    """Report deadlines passed with nothing reported, on incidents `by` may see (the first `limit`)."""
    return deadlines.overdue(session, now, unit_id=by.scope, limit=limit)


def shown_names(session: Session, events: list[dict], more: tuple[str, ...] = ()) -> dict:
    """What the timeline's values (and `more`: who merged the incident, who signed for it) name, as people read
    them: "person_of" recorded login -> the account's name (`services.accounts.shown_names`: 登记（何振华） rather
    than 登记（duty）), "channel_of" channel name -> (its title, its kind): 值班短信 rather than sms_duty, the page
    naming it by the one rule for channels (web/templates/_channel.html)."""
    logins = {v.get(k) for e in events for v in [e.get("values", {})] for k in ("by", "recorded_by", "name")}
    rows = session.exec(select(ChannelConfig.name, ChannelConfig.title, ChannelConfig.kind)).all()
    return {"person_of": accounts.shown_names(session=session, actors=logins | set(more)),
            "channel_of": {name: (title or "", kind) for name, title, kind in rows}}
