"""The incidents' dashboard panels: open incidents with their countdowns, pending instructions and deadlines."""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlmodel import Session

from services.incidents import board
from web.deps import Caller


def open_incidents(session: Session, now, c: Caller, settings) -> list:
    """Open incidents the caller may see, by urgency, with the countdown to each one's next deadline."""
    out = []
    for b in board.board(session, now, by=c.by, settings=settings)[:8]:
        due = (Markup(' <span class="countdown" data-due="{}"></span>').format(b.next_deadline.due_at.isoformat())
               if b.next_deadline else "")
        ack = "已确认" if b.incident.acknowledged_at else "未确认"
        out.append(Markup('<a href="/incidents/{}">{}</a> · {} · {}').format(
            b.incident.id, b.incident.title, b.grade.roman + "级" if b.grade else "待定级", ack) + due)
    return out


def pending_tasks(session: Session, now, c: Caller, settings) -> list:
    """Overdue report deadlines and instruction items waiting for feedback or acceptance, of the caller's units."""
    out = []
    for d in board.overdue_deadlines(session, now, by=c.by)[:5]:
        out.append(Markup('<a href="/incidents/{}">报送超时：{}</a>').format(d.incident_id, escape(d.text)))
    for item, ins in board.open_items(session, by=c.by)[:8]:
        state = "待反馈" if item.status == "forwarded" else "待办结"
        out.append(Markup('<a href="/incidents/{}">{}：{}批示</a> <span class="countdown" data-due="{}"></span>').format(
            ins.incident_id, state, ins.by_name, item.due_at.isoformat()))
    return out
