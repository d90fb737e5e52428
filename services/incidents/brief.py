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
from models.directory import Person, Unit
from models.incidents.escalation import Notice
from models.incidents.records import Incident
from services.access import Actor
from services.audit import chain
from services.incidents import board, convert, deadlines, targets, told

OFFICE = Actor.system("brief")  # the brief goes to the county's leaders: every unit's incidents


@dataclass(frozen=True)
class Brief:
    """What the brief says: the day's figures, each open incident (up to 10), those closed (终报) in the last 24
hours with their final figures (up to 10), and the audit chain's head."""

    day: date
    received: int
    open: int
    overdue: int
    pending: int
    incidents: list[str]
    chain_head: str | None
    closed: list[str] = ()

    @property
    def summary(self) -> str:
        done = f"终报结案{len(self.closed)}起，" if self.closed else ""
        return (f"过去24小时接报事件{self.received}起，{done}目前未结事件{self.open}起，超时未报{self.overdue}项，"
                f"待反馈批示{self.pending}项。")


def _closed(session: Session, since: datetime) -> list[str]:
    """The incidents closed by their 终报 since `since` (a merged one is counted in the one it joined), each with
    its final figures: a leader reading the brief learns the day's deaths even when the incident is over."""
    rows = session.exec(select(Incident).where(Incident.status == "closed", Incident.closed_at >= since,
                                               Incident.merged_into_id.is_(None))
                        .order_by(Incident.closed_at.desc()).limit(10)).all()
    names = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_({i.unit_id for i in rows}))).all()) \
        if rows else {}
    return [f"{i.title}（{names.get(i.unit_id, '')}，{_grade(i.grade)}，已终报，{told.figures_text_of(told.figures_now(i))}）" for i in rows]


def _grade(value: int | None) -> str:
    g = convert.grade_of(value)
    return g.roman + "级" if g else "待定级"


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
                 len(board.open_items(session, by=OFFICE)), incidents, head, _closed(session, since))


def compose(session: Session, now: datetime, settings: Settings) -> str:
    """The brief's text (zh-CN): what goes to each leader."""
    b = gather(session, now, settings)
    lines = [f"值班日报（{b.day:%Y年%m月%d日}）", b.summary, *(f"· {line}" for line in b.incidents)]
    if b.closed:
        lines += ["过去24小时终报结案：", *(f"· {line}" for line in b.closed)]
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
    sections = [(title, lines) for title, lines in (("未结事件", b.incidents), ("过去24小时终报结案事件", b.closed))
                if lines]
    if b.chain_head:
        sections.append(("审计记录", [b.chain_head + "。"]))
    for numeral, (title, lines) in zip("一二三", sections):
        gongwen.heading(doc, f"{numeral}、{title}")
        for n, line in enumerate(lines, start=1):
            gongwen.body(doc, line if title == "审计记录" else f"{n}. {line}")
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
