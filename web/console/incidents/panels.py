"""The incidents' dashboard panels: open incidents with their countdowns, pending instructions and deadlines."""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlmodel import Session

from services.incidents import board, deadlines
from web.deps import Caller, unit_scope


def open_incidents(session: Session, now, c: Caller, settings) -> list:
    """Open incidents by urgency, with the countdown to each one's next deadline."""
    out = []
    for b in board.board(session, now, settings=settings, unit_id=unit_scope(c))[:8]:
        due = (Markup(' <span class="countdown" data-due="{}"></span>').format(b.next_deadline.due_at.isoformat())
               if b.next_deadline else "")
        ack = "已确认" if b.incident.acknowledged_at else "未确认"
        out.append(Markup('<a href="/incidents/{}">{}</a> · {} · {}').format(
            b.incident.id, b.incident.title, b.grade.roman + "级" if b.grade else "待定级", ack) + due)
    return out


def pending_tasks(session: Session, now, c: Caller, settings) -> list:
    """Instruction items waiting for feedback or acceptance, and overdue report deadlines."""
    out = []
    for d in deadlines.overdue(session, now)[:5]:
        out.append(Markup('<a href="/incidents/{}">报送超时：{}</a>').format(d.incident_id, escape(d.text)))
    for item, ins in board.open_items(session, unit_scope(c))[:8]:
        state = "待反馈" if item.status == "forwarded" else "待办结"
        out.append(Markup('<a href="/incidents/{}">{}：{}批示</a> <span class="countdown" data-due="{}"></span>').format(
            ins.incident_id, state, ins.by_name, item.due_at.isoformat()))
    return out
