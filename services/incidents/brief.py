"""The daily duty brief (值班日报) to the leaders: open incidents, overdue reports, pending instructions, and the
audit chain's head (so a copy of it exists outside the system)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Person
from models.incidents.escalation import Notice
from models.incidents.records import Incident
from services.access import Actor
from services.audit import chain
from services.incidents import board, deadlines, targets

OFFICE = Actor.system("brief")  # the brief goes to the county's leaders: every unit's incidents


def compose(session: Session, now: datetime, settings: Settings) -> str:
    """The brief's text (zh-CN)."""
    since = now - timedelta(hours=24)
    new = session.exec(select(Incident).where(Incident.received_at >= since)).all()
    rows = board.board(session, now, by=OFFICE, settings=settings)
    overdue = deadlines.overdue(session, now)
    items = board.open_items(session, by=OFFICE)
    lines = [f"值班日报（{now.astimezone(settings.tz):%Y年%m月%d日}）",
             f"过去24小时接报事件{len(new)}起，目前未结事件{len(rows)}起，超时未报{len(overdue)}项，待反馈批示{len(items)}项。"]
    for b in rows[:10]:
        ack = "已确认" if b.incident.acknowledged_at else "未确认"
        g = b.grade.roman + "级" if b.grade else "待定级"
        lines.append(f"· {b.incident.title}（{b.unit}，{g}，{ack}）")
    top = chain.head(session=session)
    if top is not None:  # a copy of the record's head outside the system: whoever keeps the brief can check it
        lines.append(f"审计链：第 {top[0]} 条，校验值 {top[1][:16]}")
    return "\n".join(lines)


def send_brief(*, session: Session, now: datetime, settings: Settings) -> int:
    """Send today's brief once to each leading cadre of the county office; returns how many were sent."""
    hub = targets.hub_unit(session)
    if hub is None:
        return 0
    leaders = session.exec(select(Person).where(Person.unit_id == hub.id, Person.active, Person.is_leading_cadre))
    text, day, sent = compose(session, now, settings), f"{now.astimezone(settings.tz):%Y%m%d}", 0
    channel = settings.incidents.brief_channel
    for p in leaders:
        key = f"brief:{day}:{p.id}"
        if session.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
            continue  # already sent today (a rerun of the flow)
        targets.send(session, key=key, purpose="brief", channel=channel, subject="值班日报", body=text, at=now,
                     person=p, step=f"brief:{day}")
        sent += 1
    session.flush()
    return sent
