"""The daily duty brief (值班日报) to the leaders: open incidents, overdue reports, pending instructions, and the
audit chain's head (so a copy of it exists outside the system): the text each leader is sent (`compose`), and the
same as a .docx in the 公文 form (`brief_docx`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from core.errors import Forbidden
from core.settings import Settings
from models.directory import Person
from models.incidents.escalation import Notice
from models.incidents.records import Incident
from services.access import Actor
from services.audit import chain
from services.incidents import board, deadlines, targets

OFFICE = Actor.system("brief")  # the brief goes to the county's leaders: every unit's incidents


@dataclass(frozen=True)
class Brief:
    """What the brief says: the day's figures, each open incident (up to 10), and the audit chain's head."""

    day: date
    received: int
    open: int
    overdue: int
    pending: int
    incidents: list[str]
    chain_head: str | None

    @property
    def summary(self) -> str:
        return (f"过去24小时接报事件{self.received}起，目前未结事件{self.open}起，超时未报{self.overdue}项，"
                f"待反馈批示{self.pending}项。")


def gather(session: Session, now: datetime, settings: Settings) -> Brief:
    since = now - timedelta(hours=24)
    new = session.exec(select(Incident).where(Incident.received_at >= since,
                                              Incident.merged_into_id.is_(None))).all()  # merged: counted once
    rows = board.board(session, now, by=OFFICE, settings=settings)
    incidents = []
    for b in rows[:10]:
        ack = "已确认" if b.incident.acknowledged_at else "未确认"
        g = b.grade.roman + "级" if b.grade else "待定级"
        incidents.append(f"{b.incident.title}（{b.unit}，{g}，{ack}）")
    top = chain.head(session=session)
    # a copy of the record's head outside the system: whoever keeps the brief can check it
    head = f"审计链：第 {top[0]} 条，校验值 {top[1][:16]}" if top is not None else None
    return Brief(now.astimezone(settings.tz).date(), len(new), len(rows), deadlines.overdue_count(session, now),
                 len(board.open_items(session, by=OFFICE)), incidents, head)


def compose(session: Session, now: datetime, settings: Settings) -> str:
    """The brief's text (zh-CN): what goes to each leader."""
    b = gather(session, now, settings)
    lines = [f"值班日报（{b.day:%Y年%m月%d日}）", b.summary, *(f"· {line}" for line in b.incidents)]
    return "\n".join(lines + ([b.chain_head] if b.chain_head else []))


def brief_docx(session: Session, now: datetime, settings: Settings) -> bytes:
    """The day's brief as a Word document in the 公文 form: title, 主送, the figures, the open incidents, the
    chain's head, and the office and date (落款)."""
    # python-docx (and lxml under it) only for a download: not loaded by the flow that sends the text
    from core import gongwen

    b = gather(session, now, settings)
    doc = gongwen.new_document()
    gongwen.title(doc, "值班日报")
    gongwen.addressee(doc, settings.incidents.brief_addressee)
    gongwen.body(doc, f"{gongwen.chinese_date(b.day)}值班情况报告如下：{b.summary}")
    if b.incidents:
        gongwen.heading(doc, "一、未结事件")
        for n, line in enumerate(b.incidents, start=1):
            gongwen.body(doc, f"{n}. {line}")
    if b.chain_head:
        gongwen.heading(doc, f"{'二' if b.incidents else '一'}、审计记录")
        gongwen.body(doc, b.chain_head + "。")
    gongwen.signature(doc, settings.incidents.office, b.day)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def brief_download(*, session: Session, now: datetime, settings: Settings, by: Actor) -> tuple[str, bytes]:
    """(file name, .docx) of today's brief for `by`. It tells every unit's incidents, so it is for those who see
    every unit (the duty office, leaders, auditors); a unit reporter is refused."""
    if by.scope is not None:
        raise Forbidden("值班日报汇总全县各单位的事件，单位填报员不能下载", field="brief")
    day = now.astimezone(settings.tz).date()
    return f"duty-brief-{day:%Y%m%d}.docx", brief_docx(session, now, settings)


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
