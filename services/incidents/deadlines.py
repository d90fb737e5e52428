"""Report deadlines as rows (the truth): open, meet, reschedule, and their alarms (报送时限提醒)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.incidents.records import Deadline, Incident, Report
from models.types import new_id
from rules import incidents as r
from services.incidents import convert
from services.incidents.report_policies import report_policies
from services.incidents.wakeups import wake_after_commit

REPORT_KINDS = ("phone", "written")  # the 首报 deadlines
FOLLOWUP_KINDS = ("followup", "casualty_change")


def open_rows(session: Session, incident_id, kinds=None) -> list[Deadline]:
    q = select(Deadline).where(Deadline.incident_id == incident_id, Deadline.met_at.is_(None),
                               Deadline.cancelled_at.is_(None))
    if kinds:
        q = q.where(Deadline.kind.in_(kinds))
    return list(session.exec(q.order_by(Deadline.due_at)))


def _new(incident: Incident, kind: str, due: datetime, text: str, now: datetime, element: str = "") -> Deadline:
    return Deadline(incident_id=incident.id, kind=kind, due_at=due, text=text, element=element, created_at=now)


def _add(session: Session, incident: Incident, kind: str, due: datetime, text: str, now: datetime,
         element: str = "") -> Deadline:
    row = _new(incident, kind, due, text, now, element)
    session.add(row)
    wake_after_commit(session, due)
    return row


def _report_deadlines(incident: Incident, settings: Settings) -> list[r.Deadline]:
    return r.report_deadlines(convert.grade_of(incident.grade), incident.sensitive, r.Category(incident.category),
                              incident.received_at, report_policies(settings).deadline)


_DEADLINE_INSERT = Deadline.__table__.insert()
_NO_ALARMS = dict(met_at=None, met_by=None, late_minutes=None, warned_at=None, alarmed_at=None, cancelled_at=None)


def insert_initial(session: Session, incident: Incident, now: datetime, *, settings: Settings) -> int:
    """A new incident's 首报 deadlines and 待核实 reminders as one Core INSERT (nothing to read back, no ORM
    objects: intake is the hot path); the incident must be flushed. Returns how many rows."""
    cas = convert.casualties_of(incident)
    rows = [(d.kind.value, d.due, f"首报{d.kind.label}时限{d.minutes}分钟", "")
            for d in _report_deadlines(incident, settings)]
    rows += [("unverified", d.due, d.text, d.element)
             for d in r.unverified_reminders(cas, now, report_policies(settings).followup)]
    if rows:
        session.connection().execute(_DEADLINE_INSERT, [
            dict(_NO_ALARMS, id=new_id(), incident_id=incident.id, kind=kind, due_at=due, text=text, element=element,
                 created_at=now) for kind, due, text, element in rows])
    for _kind, due, _text, _element in rows:
        wake_after_commit(session, due)
    return len(rows)


def unverified_reminders(session: Session, incident: Incident, at: datetime, *, settings: Settings) -> None:
    """A reminder per 待核实 figure that has none open yet."""
    have = {d.element for d in open_rows(session, incident.id, ["unverified"])}
    for due in r.unverified_reminders(convert.casualties_of(incident), at, report_policies(settings).followup):
        if due.element not in have:
            _add(session, incident, "unverified", due.due, due.text, at, due.element)


def regrade(session: Session, incident: Incident, now: datetime, *, settings: Settings) -> None:
    """After a grade change: unmet 首报 deadlines move to the new grade's, new kinds are added."""
    wanted = {d.kind.value: d for d in _report_deadlines(incident, settings)}
    rows = list(session.exec(select(Deadline).where(Deadline.incident_id == incident.id,
                                                     Deadline.kind.in_(REPORT_KINDS))))
    for row in rows:
        if row.met_at is None and row.cancelled_at is None:
            if row.kind in wanted:
                row.due_at = wanted[row.kind].due
                row.text = f"首报{wanted[row.kind].kind.label}时限{wanted[row.kind].minutes}分钟"
            else:
                row.cancelled_at = now
            session.add(row)
    for kind, d in wanted.items():
        if not any(row.kind == kind for row in rows):
            _add(session, incident, kind, d.due, f"首报{d.kind.label}时限{d.minutes}分钟", now)
    has_first = session.exec(select(Report.id).where(Report.incident_id == incident.id,
                                                      Report.kind == "first")).first()
    if has_first is not None:
        schedule_daily(session, incident, now, settings=settings)
    session.flush()


def on_casualties(session: Session, incident: Incident, before: r.Casualties | None, now: datetime, *,
                  settings: Settings) -> None:
    """A casualty change needs a follow-up at once; new 待核实 figures get reminders."""
    after = convert.casualties_of(incident)
    change = r.casualty_change_followup(before, after, now) if after is not None else None
    if change is not None and not open_rows(session, incident.id, ["casualty_change"]):
        _add(session, incident, "casualty_change", change.due, change.text, now)
    unverified_reminders(session, incident, now, settings=settings)
    for row in open_rows(session, incident.id, ["unverified"]):
        if r.is_known(convert.figure_of(incident, row.element)):
            row.met_at = now  # verified (the office learned the figure): the reminder is met, not cancelled
            session.add(row)
    session.flush()


def schedule_daily(session: Session, incident: Incident, after: datetime, *, settings: Settings) -> None:
    """Grade III+: the next daily 续报 slot (08:00/17:00 by default) after `after`, if none is open."""
    if incident.status != "open" or any(d.due_at > after for d in open_rows(session, incident.id, ["followup"])):
        return
    zone = settings.tz
    slots = r.next_followups(convert.grade_of(incident.grade), after, zone, report_policies(settings).followup,
                             limit=1)
    if slots:
        _add(session, incident, "followup", slots[0], f"每日定时续报（{slots[0].astimezone(zone):%H:%M}）", after)


def meets(report_kind: str, channel: str, deadline_kind: str) -> bool:
    """Whether a report of `report_kind` by `channel` meets a deadline of `deadline_kind`.

    Phone and written are separate obligations: a phone 首报 meets the phone deadline; a written report (首报 or
    续报) meets the written one, and the phone one too when no phone report came first (the city has it in
    writing). 续报 deadlines are met by a 续报 or the 终报."""
    if deadline_kind == "phone":
        return (report_kind == "first" and channel == "phone") or (report_kind != "final" and channel == "written")
    if deadline_kind == "written":
        return report_kind in ("first", "followup") and channel == "written"
    if deadline_kind in FOLLOWUP_KINDS:
        return report_kind in ("followup", "final")
    return False


def meet(session: Session, incident: Incident, report: Report, now: datetime) -> int | None:
    """Mark the deadlines this report meets; returns its minutes late (迟报) by its own deadline (a 首报's by its
    channel's; a 续报's by the 续报 deadlines and, written, the written one), None when on time."""
    late: list[int] = []
    for row in open_rows(session, incident.id, (*REPORT_KINDS, *FOLLOWUP_KINDS)):
        if not meets(report.kind, report.channel, row.kind):
            continue
        if row.kind == "followup" and row.created_at > report.reported_at:
            continue
        lt = r.lateness(row.due_at, report.reported_at)
        row.met_at, row.met_by, row.late_minutes = report.reported_at, report.id, lt.minutes_late or None
        session.add(row)
        own = row.kind == report.channel if row.kind in REPORT_KINDS else True
        if lt.late and own:
            late.append(lt.minutes_late)
    cas = convert.casualties_from_json(report.elements.get("casualties"))
    for row in open_rows(session, incident.id, ["unverified"]):
        if cas is not None and r.is_known(getattr(cas, row.element)):
            row.met_at, row.met_by = report.reported_at, report.id
            session.add(row)
    if report.kind == "final":
        for row in open_rows(session, incident.id):
            row.cancelled_at = now
            session.add(row)
    session.flush()
    return max(late) if late else None


def due_alarms(session: Session, now: datetime, pre_minutes: int) -> list[tuple[Deadline, str]]:
    """Open deadlines whose pre-alarm or at-deadline alarm is due and not yet sent."""
    soon = now + timedelta(minutes=pre_minutes)
    q = select(Deadline).where(Deadline.met_at.is_(None), Deadline.cancelled_at.is_(None),
                               Deadline.alarmed_at.is_(None), Deadline.due_at <= soon)
    out = []
    for row in session.exec(q.order_by(Deadline.due_at)):
        if row.due_at <= now:
            out.append((row, "at"))
        elif row.warned_at is None and pre_minutes > 0:
            out.append((row, "before"))
    return out


def overdue(session: Session, now: datetime, *, unit_id: uuid.UUID | None = None) -> list[Deadline]:
    """Deadlines passed with nothing reported (for alerts and the board), of one unit's incidents or all."""
    q = select(Deadline).join(Incident, Incident.id == Deadline.incident_id).where(
        Deadline.met_at.is_(None), Deadline.cancelled_at.is_(None), Deadline.due_at <= now, Incident.status == "open")
    if unit_id is not None:
        q = q.where(Incident.unit_id == unit_id)
    return list(session.exec(q.order_by(Deadline.due_at)))
