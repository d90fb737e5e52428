"""Deadline alarms (before and at each deadline) and instruction reminders, once each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session

from core.settings import Settings
from models.incidents.records import Deadline, Incident
from services.incidents import deadlines, instructions, targets

KIND_LABELS = {"phone": "首报电话报告", "written": "首报书面报告", "followup": "定时续报",
               "casualty_change": "伤亡变化续报", "unverified": "待核实事项续报"}


def alarm_subject(title: str, label: str, local_due: datetime, when: str) -> str:
    """A deadline alarm's subject names its incident and its deadline: an inbox lists subjects, and several
    incidents' alarms come in the same night."""
    if when == "before":
        return f"【报送时限提醒】{title}：{label}{local_due:%H:%M}到期"
    return f"【报送超时】{title}：{label}已过时限（{local_due:%H:%M}）"


def deadline_alarms(*, session: Session, now: datetime, settings: Settings) -> int:
    """Send each due alarm once (claimed by a conditional UPDATE); returns how many were sent."""
    s = settings.incidents
    hub = targets.hub_unit(session)
    sent = 0
    for row, when, reopened in deadlines.due_alarms(session, now, s.pre_alarm_minutes):
        column = Deadline.alarmed_at if when == "at" else Deadline.warned_at
        unsent = column.is_(None) if reopened is None else or_(column.is_(None), column < reopened)
        claim = session.exec(update(Deadline).where(Deadline.id == row.id, unsent).values({column.key: now}))
        if claim.rowcount != 1:
            continue
        incident = session.get(Incident, row.incident_id)
        label = KIND_LABELS.get(row.kind, row.kind)
        local_due = row.due_at.astimezone(settings.tz)
        if reopened is not None:  # met by a report the city never got: the deadline is open again
            text = (f"{incident.title}：{label}向上报送失败，已过时限（{local_due:%H:%M}），须重新发送或电话报告"
                    if when == "at" else
                    f"{incident.title}：{label}向上报送失败，将于{local_due:%H:%M}到期，请重新发送或电话报告")
        else:
            text = (f"{incident.title}：{label}已到时限（{local_due:%H:%M}），尚未报送" if when == "at"
                    else f"{incident.title}：{label}将于{local_due:%H:%M}到期，请及时报送")
        # once per deadline time (a regrade moves it) and per reopening
        again = f":r{reopened.timestamp():.0f}" if reopened is not None else f":{row.due_at.timestamp():.0f}"
        targets.send(session, key=f"deadline:{row.id}:{when}{again}", purpose="deadline", channel=s.alarm_channel,
                     subject=alarm_subject(incident.title, label, local_due, when), body=f"{text}。{row.text}",
                     at=now, incident_id=incident.id, unit=hub, recipient="" if hub else "总值班室",
                     step=f"dl:{row.id.hex[:16]}:{when}{again}")
        if when == "at" and row.kind == "followup" and reopened is None:
            deadlines.schedule_daily(session, incident, row.due_at, settings=settings)
        sent += 1
    session.flush()
    return sent


def sweep(*, session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    """Everything time-driven except escalation: deadline alarms and instruction reminders."""
    return {"deadline_alarms": deadline_alarms(session=session, now=now, settings=settings),
            "instruction_reminders": instructions.remind(session=session, now=now, settings=settings)}
