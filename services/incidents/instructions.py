"""Leaders' instructions (批示): record, forward to units (转办) with deadlines, feedback, accept, remind."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.settings import Settings
from models.directory import Person, Unit
from models.incidents.instructions import Instruction, InstructionItem
from models.incidents.records import Incident, Report
from rules.incidents import instructions as ri
from services import audit
from services.access import Actor
from services.incidents import escalation, targets
from services.incidents.lookups import CLOCK_SKEW, incident_for, require_aware
from services.incidents.schemas import InstructionIn, ItemIn
from services.rosters.calendar import load_calendar


def record(*, session: Session, incident_id: uuid.UUID, data: InstructionIn, by: Actor, now: datetime,
           settings: Settings) -> Instruction:
    """Record a leader's instruction on an incident `by` may see and forward it to the named units."""
    incident = incident_for(session, incident_id, by)
    if not (data.text or "").strip():
        raise Invalid("批示内容不能为空 (the instruction is empty)", field="text")
    if incident.merged_into_id is not None:  # instructions go on the incident kept, where the work is followed
        raise Conflict("本事件已并入其他事件，请在保留的事件上记录批示 (merged: instruct on the incident kept)",
                       field="incident_id")
    at = data.at or now
    require_aware("at", at)
    if at > now + CLOCK_SKEW:
        raise Invalid("时间晚于当前时间 (in the future)", field="at")
    if data.report_id is not None:
        rep = session.get(Report, data.report_id)
        if rep is None or rep.incident_id != incident.id:
            raise Invalid("报告不属于该事件 (report of another incident)", field="report_id")
    ins = Instruction(incident_id=incident.id, report_id=data.report_id, text=data.text, by_name=data.by_name,
                      by_person_id=data.by_person_id, at=at, recorded_by=by.name)
    session.add(ins)
    session.flush()
    for item, field in units_of(data):
        forward(session=session, instruction=ins, item=item, now=now, settings=settings, field=field)
    audit.record(session=session, actor=by.name, action="create", entity="instruction", entity_id=ins.id,
                 unit_id=incident.unit_id, after=ins, at=now, note=f"{data.by_name}批示")
    return ins


def units_of(data: InstructionIn) -> list[tuple[ItemIn, str]]:
    """The units forwarded to, each with the field that named it: the lead unit (牵头, `lead_unit_id`) and the
    supporting ones (配合, `assist_unit_ids`) named apart, or the older `items` list (each says whether it leads).
    A unit named twice, or two leads, is refused at its field."""
    out = [(item, f"items[{i}].unit_id") for i, item in enumerate(data.items)]
    if data.lead_unit_id is not None:
        out.append((ItemIn(unit_id=data.lead_unit_id, lead=True, urgency=data.urgency), "lead_unit_id"))
    elif data.assist_unit_ids:
        raise Invalid("请选择牵头单位 (choose the lead unit)", field="lead_unit_id")
    out += [(ItemIn(unit_id=u, lead=False, urgency=data.urgency), "assist_unit_ids") for u in data.assist_unit_ids]
    seen: set[uuid.UUID] = set()
    leads = 0
    for item, field in out:
        if item.unit_id in seen:
            raise Invalid("同一单位不能既牵头又配合，也不能重复选择 (a unit named twice)", field=field)
        seen.add(item.unit_id)
        leads += item.lead
        if leads > 1 and data.lead_unit_id is not None:
            raise Invalid("牵头单位只能有一个 (one lead unit)", field=field)
    return out


def forward(*, session: Session, instruction: Instruction, item: ItemIn, now: datetime, settings: Settings,
            field: str = "unit_id") -> InstructionItem:
    """转办 to one unit, with the deadline on the holiday calendar (working days are local days)."""
    unit = session.get(Unit, item.unit_id)
    if unit is None or not unit.active:
        raise Invalid("承办单位不存在 (unknown unit)", field=field)
    zone = settings.tz
    due = ri.instruction_deadline(ri.Urgency(item.urgency), now, zone, load_calendar(session=session))
    row = InstructionItem(instruction_id=instruction.id, unit_id=unit.id, lead=item.lead, urgency=item.urgency,
                          forwarded_at=now, due_at=due)
    session.add(row)
    session.flush()
    role = "牵头" if item.lead else "配合"
    targets.send(session, key=f"instruction:{row.id}:forward", purpose="instruction",
                 channel=settings.incidents.alarm_channel, subject=f"【批示转办】{instruction.by_name}批示",
                 body=f"请{role}办理：{instruction.text}（{ri.Urgency(item.urgency).label}，"
                      f"{due.astimezone(zone):%m月%d日%H:%M}前反馈）", at=now, incident_id=instruction.incident_id,
                 unit=unit, step=f"ins:{row.id.hex[:20]}:fwd")
    return row


def _item(session: Session, item_id: uuid.UUID, by: Actor, incident_id: uuid.UUID | None = None) -> InstructionItem:
    """An item `by` may see: one forwarded to their unit, or one on their unit's incident (its page shows it).
    With `incident_id` (a page's URL names the incident), an item of another incident is the same 404 as none."""
    row = session.get(InstructionItem, item_id)
    if row is None or (incident_id is not None
                       and session.get(Instruction, row.instruction_id).incident_id != incident_id):
        raise NotFound("转办事项不存在 (item not found)", field="item_id")
    if not by.sees(row.unit_id):
        incident = session.get(Incident, session.get(Instruction, row.instruction_id).incident_id)
        if not by.sees(incident.unit_id):  # another unit's item: the same 404 as none, but audited as refused
            raise NotFound("转办事项不存在 (item not found)", field="item_id").refusing(by.name)
    return row


def _move(row: InstructionItem, event: ri.Event) -> None:
    try:
        row.status = ri.transition(ri.Status(row.status), event).value
    except ri.InvalidTransition as exc:
        raise Conflict(str(exc), field="status") from None


def feedback(*, session: Session, item_id: uuid.UUID, text: str, by: Actor, now: datetime,
             incident_id: uuid.UUID | None = None, settings: Settings | None = None) -> InstructionItem:
    """The unit answers (反馈): its own reporter, or the office for it. `incident_id`: the item must be on it."""
    row = _item(session, item_id, by, incident_id)
    if not by.acts_for_unit(row.unit_id):
        raise Forbidden("只能反馈本单位的转办事项 (not your unit)", field="item_id").refusing(by.name)
    text = (text or "").strip()
    if not text:
        raise Invalid("反馈内容不能为空 (the feedback is empty)", field="text")
    _move(row, ri.Event.feedback)
    row.feedback_text, row.feedback_at, row.feedback_by = text, now, by.name
    session.add(row)
    ins = session.get(Instruction, row.instruction_id)
    incident = session.get(Incident, ins.incident_id)
    escalation.settle(session, incident, now)  # what an acknowledgement timeout waits for: it stops at once
    audit.record(session=session, actor=by.name, action="feedback", entity="instruction_item", entity_id=row.id,
                 unit_id=row.unit_id, after=row, at=now)
    _tell_leader(session, ins, row, now, settings)
    return row


def _tell_leader(session: Session, ins: Instruction, row: InstructionItem, now: datetime,
                 settings: Settings | None) -> None:
    """The leader who gave the instruction (when it names them) hears of each unit's feedback in their inbox."""
    person = session.get(Person, ins.by_person_id) if ins.by_person_id is not None else None
    if person is None:
        return
    unit = session.get(Unit, row.unit_id)
    channel = settings.incidents.alarm_channel if settings is not None else "none"
    targets.send(session, key=f"instruction:{row.id}:feedback:{now:%Y%m%d%H%M%S%f}",
                 purpose="instruction", channel=channel, subject=f"【批示反馈】{unit.name if unit else ''}",
                 body=f"{unit.name if unit else ''}反馈“{ins.text[:40]}”：{row.feedback_text[:200]}", at=now,
                 incident_id=ins.incident_id, person=person, step=f"ins:{row.id.hex[:20]}:fb")


def decide(*, session: Session, item_id: uuid.UUID, accept: bool, by: Actor, now: datetime,
           incident_id: uuid.UUID | None = None) -> InstructionItem:
    """The office accepts the feedback (办结) or sends it back (退回). `incident_id`: the item must be on it."""
    row = _item(session, item_id, by, incident_id)
    by.require_office("办结或退回转办事项 (only the duty office accepts feedback)", field="item_id")
    _move(row, ri.Event.accept if accept else ri.Event.reject)
    if accept:
        row.accepted_at, row.accepted_by = now, by.name
    session.add(row)
    audit.record(session=session, actor=by.name, action="accept" if accept else "reject", entity="instruction_item",
                 entity_id=row.id, unit_id=row.unit_id, after=row, at=now)
    return row


def remind(*, session: Session, now: datetime, settings: Settings) -> int:
    """Send due reminders (before / at deadline / overdue escalation) once each; returns how many."""
    cal, zone, sent = load_calendar(session=session), settings.tz, 0
    rows = session.exec(select(InstructionItem).where(InstructionItem.status == "forwarded"))
    for row in rows:
        alarms = ri.reminder_times(row.forwarded_at, row.due_at, zone, cal)
        due = [a for a in alarms if a.at <= now]
        if len(due) <= row.reminders_sent:
            continue
        alarm = due[-1]
        unit = session.get(Unit, row.unit_id)
        ins = session.get(Instruction, row.instruction_id)
        targets.send(session, key=f"instruction:{row.id}:remind:{len(due)}", purpose="instruction",
                     channel=settings.incidents.alarm_channel, subject=f"【{alarm.kind.label}】批示转办",
                     body=f"{ins.by_name}批示“{ins.text[:60]}”须于{row.due_at.astimezone(zone):%m月%d日%H:%M}前反馈",
                     at=now, incident_id=ins.incident_id, unit=unit,
                     step=f"ins:{row.id.hex[:20]}:r{len(due)}")
        row.reminders_sent, row.last_reminded_at = len(due), now
        session.add(row)
        sent += 1
    session.flush()
    return sent


def overdue_items(session: Session, now: datetime) -> list[InstructionItem]:
    return list(session.exec(select(InstructionItem).where(InstructionItem.status == "forwarded",
                                                          InstructionItem.due_at < now)))
