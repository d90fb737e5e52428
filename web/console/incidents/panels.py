"""The incidents' dashboard panels: open incidents with their countdowns, pending instructions and deadlines."""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlmodel import Session

from services.incidents import board, convert, mine
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


def needs_me(session: Session, now, c: Caller, settings) -> list:
    """The leader's first screen: incidents I was notified of and have not acknowledged, then my instructions."""
    out = []
    order = [b.incident.id for b in board.board(session, now, by=c.by, settings=settings)]
    for inc in mine.awaiting_my_ack(session, by=c.by, order=order):
        grade = convert.grade_of(inc.grade)
        out.append(Markup('<a class="button big urgent" href="/incidents/{}#ack">{}</a>'
                          '<span class="small">{} · {} · {}</span>').format(
            inc.id, inc.title, grade.roman + "级" if grade else "待定级",
            inc.received_at.astimezone(settings.tz).strftime("%m-%d %H:%M"), "待我确认"))
    for m in mine.my_instructions(session, by=c.by):
        state = (f"{m.waiting}个单位待反馈" if m.waiting else "") + (
            f"{'，' if m.waiting else ''}{m.to_accept}条反馈待办结" if m.to_accept else "") or "已全部办结"
        out.append(Markup('<a href="/incidents/{}#instructions">我的批示：{}</a><span class="small">{}</span>').format(
            m.incident.id, m.incident.title, state))
    return out
